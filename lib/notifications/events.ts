/** The events the notifications service emits and their data: the contract its consumers import. */
import type { NotificationDoc } from "./collections";

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

export function settledData(doc: NotificationDoc): NotificationSettledData {
	return {
		notificationId: doc.id,
		template: doc.template,
		recipient: doc.recipient,
		userId: doc.userId ?? null,
		relatedId: doc.relatedId ?? null,
		attempts: doc.attempts,
		...(doc.status === "failed" ? { error: doc.lastError } : {})
	};
}
