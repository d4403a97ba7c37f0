/**
 * Settings of the notifications service, read from the environment at call time:
 * NOTIFY_MAX_ATTEMPTS (5) attempts per message, NOTIFY_RETRY_DELAY_MS (1000) before the second
 * attempt, doubled after each failure up to NOTIFY_RETRY_MAX_DELAY_MS (300000);
 * NOTIFY_SWEEP_INTERVAL_MS (30000; 0 turns it off) how often due messages whose timer was lost
 * (a restart, another node) are picked up; NOTIFY_SEND_TIMEOUT_MS (20000) SMTP connection, greeting
 * and socket timeouts; NOTIFY_LOOKUP_CACHE_MS (60000) how long the customer, order and admins read
 * for mails are kept; plus SMTP_URL, MAIL_FROM, ADMIN_EMAIL and DATA_DIR from lib/config.ts.
 */
import { numberSetting, type Env } from "../env";

export function notificationSettings(env: Env = process.env) {
	return {
		maxAttempts: Math.floor(numberSetting(env, "NOTIFY_MAX_ATTEMPTS", 5, 1)),
		retryDelayMs: numberSetting(env, "NOTIFY_RETRY_DELAY_MS", 1000, 0),
		retryMaxDelayMs: numberSetting(env, "NOTIFY_RETRY_MAX_DELAY_MS", 300_000, 0),
		sweepIntervalMs: numberSetting(env, "NOTIFY_SWEEP_INTERVAL_MS", 30_000, 0),
		sendTimeoutMs: numberSetting(env, "NOTIFY_SEND_TIMEOUT_MS", 20_000, 100),
		/** How long customers, orders and the admins' addresses read for mails are kept (0: not kept). */
		lookupCacheMs: numberSetting(env, "NOTIFY_LOOKUP_CACHE_MS", 60_000, 0)
	};
}

export type NotificationSettings = ReturnType<typeof notificationSettings>;

/** Delay before attempt `failedAttempts + 1`: base, 2 x base, 4 x base ..., capped. */
export function retryDelay(s: Pick<NotificationSettings, "retryDelayMs" | "retryMaxDelayMs">, failedAttempts: number): number {
	return Math.min(s.retryMaxDelayMs, s.retryDelayMs * 2 ** Math.max(0, failedAttempts - 1));
}
