/** The events the notifications service emits and their data: the contract its consumers import. */

/** notification.sent and notification.failed: a message ended sent, or failed for good (with `error`). */
export interface NotificationSettledData {
	notificationId: string;
	template: string;
	recipient: string;
	userId: string | null;
	relatedId: string | null;
	attempts: number;
	error?: string | null;
}

export interface NotificationEvents {
	"notification.sent": NotificationSettledData;
	"notification.failed": NotificationSettledData;
}
