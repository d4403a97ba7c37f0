/**
 * Settings of the payments service, read from the environment at call time (like lib/config.ts):
 * PAYMENT_MAX_ATTEMPTS (3), PAYMENT_RETRY_DELAY_MS (50: waits 50, 100, 200 ... ms between attempts),
 * PAYMENT_STALE_AFTER_MS (60 s: a payment still pending this long may be charged again by a
 * redelivered order.confirmed), PAYMENT_REANNOUNCE_AFTER_MS (10 s: a re-driven order.confirmed of
 * a payment settled this long ago announces its outcome again, in case that event was lost).
 */
import { numberSetting, type Env } from "../env";

export function paymentSettings(env: Env = process.env) {
	return {
		maxAttempts: Math.max(1, Math.floor(numberSetting(env, "PAYMENT_MAX_ATTEMPTS", 3))),
		retryDelayMs: numberSetting(env, "PAYMENT_RETRY_DELAY_MS", 50),
		staleAfterMs: numberSetting(env, "PAYMENT_STALE_AFTER_MS", 60_000),
		reannounceAfterMs: numberSetting(env, "PAYMENT_REANNOUNCE_AFTER_MS", 10_000)
	};
}

export type PaymentSettings = ReturnType<typeof paymentSettings>;
