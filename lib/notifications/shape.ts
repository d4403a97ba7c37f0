/** What leaves the service about a notification (bookkeeping fields such as the lease stay inside). */
import type { NotificationDoc, NotificationStatus } from "./collections";

export interface PublicNotification {
	id: string;
	recipient: string;
	userId: string | null;
	channel: "email";
	template: string;
	subject: string;
	body: string;
	html: string | null;
	status: NotificationStatus;
	attempts: number;
	lastError: string | null;
	relatedId: string | null;
	createdAt: string;
	updatedAt: string;
	sentAt: string | null;
}

export function toPublicNotification(n: NotificationDoc): PublicNotification {
	return {
		id: n.id,
		recipient: n.recipient,
		userId: n.userId ?? null,
		channel: n.channel,
		template: n.template,
		subject: n.subject,
		body: n.body,
		html: n.html ?? null,
		status: n.status,
		attempts: n.attempts,
		lastError: n.lastError ?? null,
		relatedId: n.relatedId ?? null,
		createdAt: n.createdAt,
		updatedAt: n.updatedAt,
		sentAt: n.sentAt ?? null
	};
}
