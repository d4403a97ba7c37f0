/** Notifications retention (ff3875e): when a sent mail's body was kept from, indexed for the sweep. */
import type { Migration } from "../types";

export const notificationsBodyKeptSince: Migration = {
	name: "0004-notifications-body-kept-since",
	services: {
		notifications: {
			postgres: [
				`ALTER TABLE notifications ADD COLUMN IF NOT EXISTS "bodyKeptSince" TEXT`,
				`CREATE INDEX IF NOT EXISTS notifications_body_kept_since ON notifications ("bodyKeptSince")`
			],
			mongo: { create: [{ collection: "notifications", indexes: [{ key: { bodyKeptSince: 1 } }] }] }
		}
	}
};
