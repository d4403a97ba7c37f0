/**
 * What the notifications service keeps, and how long (RETENTION_* in lib/config.ts):
 * - the body and HTML of a sent message, RETENTION_NOTIFICATION_BODY_DAYS after sending: emptied
 *   (body "", html null), the record stays, so a customer's list still shows what was sent when;
 * - sent and failed records, RETENTION_NOTIFICATION_DAYS after creation: removed (a failed one
 *   keeps its body until then, for whoever looks into why it failed). Pending records are never
 *   touched: a message still being attempted is not old, whatever its age;
 * - the mbox day files written without SMTP_URL, RETENTION_MAIL_DAYS: deleted.
 */
import type { Config } from "../config";
import { DAY_MS, storeRule, type RetentionRule } from "../retention/rule";
import type { Store } from "../store";
import type { NotificationDoc } from "./collections";
import { mailDirectory } from "./mailer";
import { mboxRotation } from "./mbox-rotation";

export function notificationRetention(store: Store<NotificationDoc>, cfg: Config): RetentionRule[] {
	return [
		storeRule({
			name: "notification bodies",
			store,
			maxAgeMs: cfg.retentionNotificationBodyDays * DAY_MS,
			// Only sent messages carry bodyKeptSince; emptying clears it, which takes the record out of the rule.
			dateField: "bodyKeptSince",
			update: { set: { body: "", html: null, bodyKeptSince: null } }
		}),
		storeRule({
			name: "notifications",
			store,
			maxAgeMs: cfg.retentionNotificationDays * DAY_MS,
			dateField: "createdAt",
			where: { status: { in: ["sent", "failed"] } }
		}),
		mboxRotation(mailDirectory(cfg.dataDir), cfg.retentionMailDays * DAY_MS)
	];
}
