/**
 * The `notifications` collection: every message the shop sends, whatever became of it. A record is
 * written before the first attempt, so a mail server outage loses nothing: the record stays
 * `pending` while attempts are retried and ends `sent` or `failed` with the last error.
 */
import type { CollectionSpec } from "../store";

export const NOTIFICATION_STATUSES = ["pending", "sent", "failed"] as const;
export type NotificationStatus = (typeof NOTIFICATION_STATUSES)[number];

export interface NotificationDoc {
	id: string;
	recipient: string;
	/** The customer the message is about (absent for admin alerts and test mails). */
	userId?: string | null;
	channel: "email";
	template: string;
	subject: string;
	/** The plain-text body. */
	body: string;
	html?: string | null;
	status: NotificationStatus;
	attempts: number;
	lastError?: string | null;
	/** The order or product the message is about. */
	relatedId?: string | null;
	/**
	 * Unique: the source event's key plus the recipient, so a redelivered or re-driven event writes
	 * (and sends) nothing twice. For order mails the key is the order's transition (`order.paid:<orderId>`),
	 * which an order makes once; for low-stock alerts it is the alert event's id (one per crossing).
	 */
	eventId: string;
	/** When the next attempt is due; a claimed attempt pushes it out by a lease so no other node takes it. */
	nextAttemptAt: string;
	messageId?: string | null;
	createdAt: string;
	updatedAt: string;
	sentAt?: string | null;
	/**
	 * Set with sentAt; the body retention rule (lib/notifications/retention.ts) empties body and html
	 * once it is old enough and clears this, so each sweep finds only bodies still stored.
	 */
	bodyKeptSince?: string | null;
	[key: string]: unknown;
}

export const notificationsCollection: CollectionSpec = {
	name: "notifications",
	fields: {
		// Indexed for what runs often (a customer's list, the sweeper, the event key, an order's mails);
		// admin filters on recipient or template are rare and scan. The sweeper looks for `pending`
		// messages that are due: by status, since pending ones are few while every message ever sent
		// has a past nextAttemptAt (an index on that would hand the sweeper all of them, 30 to 50 ms
		// over 50,000 on NeDB, every sweep). Statuses only move away from `pending`, so on NeDB the
		// index costs a delete from the small pending group, not a scan of a large one.
		recipient: { type: "string", required: true },
		userId: { type: "string", index: true },
		channel: { type: "string", required: true },
		template: { type: "string", required: true },
		subject: { type: "string", required: true },
		body: { type: "string", required: true },
		html: { type: "string" },
		status: { type: "string", required: true, index: true },
		attempts: { type: "integer", required: true, default: 0 },
		lastError: { type: "string" },
		relatedId: { type: "string", index: true },
		eventId: { type: "string", required: true, unique: true },
		nextAttemptAt: { type: "string", required: true },
		messageId: { type: "string" },
		createdAt: { type: "string", required: true, index: true },
		updatedAt: { type: "string", required: true },
		sentAt: { type: "string" },
		bodyKeptSince: { type: "string", index: true }
	}
};
