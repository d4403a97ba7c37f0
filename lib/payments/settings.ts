/**
 * Settings of the payments service, read from the environment at call time (like lib/config.ts):
 * PAYMENT_MAX_ATTEMPTS (3), PAYMENT_RETRY_DELAY_MS (50: waits 50, 100, 200 ... ms between attempts),
 * PAYMENT_STALE_AFTER_MS (60 s: a payment still pending this long may be charged again by a
 * redelivered order.confirmed), PAYMENT_REANNOUNCE_AFTER_MS (10 s: a re-driven order.confirmed of
 * a payment settled this long ago announces its outcome again, in case that event was lost).
 */
import type { Env } from "../config";

function nonNegative(value: string | undefined, fallback: number, name: string): number {
	if (value === undefined || value === "") return fallback;
	const n = Number(value);
	if (!Number.isFinite(n) || n < 0) throw new Error(`Invalid ${name} in configuration: "${value}"`);
	return n;
}

export function paymentSettings(env: Env = process.env) {
	return {
		maxAttempts: Math.max(1, Math.floor(nonNegative(env.PAYMENT_MAX_ATTEMPTS, 3, "PAYMENT_MAX_ATTEMPTS"))),
		retryDelayMs: nonNegative(env.PAYMENT_RETRY_DELAY_MS, 50, "PAYMENT_RETRY_DELAY_MS"),
		staleAfterMs: nonNegative(env.PAYMENT_STALE_AFTER_MS, 60_000, "PAYMENT_STALE_AFTER_MS"),
		reannounceAfterMs: nonNegative(env.PAYMENT_REANNOUNCE_AFTER_MS, 10_000, "PAYMENT_REANNOUNCE_AFTER_MS")
	};
}

export type PaymentSettings = ReturnType<typeof paymentSettings>;
