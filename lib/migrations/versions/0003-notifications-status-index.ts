/**
 * The notification sweeper finds due messages by the status index (a74e45a): pending ones are few,
 * while the nextAttemptAt index it replaces held every message ever sent.
 */
import type { Migration } from "../types";

export const notificationsStatusIndex: Migration = {
	name: "0003-notifications-status-index",
	services: {
		notifications: {
			postgres: [
				`CREATE INDEX IF NOT EXISTS notifications_status ON notifications (status)`,
				`DROP INDEX IF EXISTS notifications_next_attempt_at`
			],
			mongo: {
				create: [{ collection: "notifications", indexes: [{ key: { status: 1 } }] }],
				drop: [{ collection: "notifications", index: "nextAttemptAt_1" }]
			}
		}
	}
};
