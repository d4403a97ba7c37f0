/**
 * Settings of the orders service, read from the environment at call time (like lib/config.ts):
 * ORDER_RECONCILE_INTERVAL_MS (10 s; 0 turns the timer off), ORDER_STUCK_AFTER_MS (30 s),
 * ORDER_RECONCILE_BATCH (100 orders per pass at most).
 */
import type { Env } from "../config";

function nonNegative(value: string | undefined, fallback: number, name: string): number {
	if (value === undefined || value === "") return fallback;
	const n = Number(value);
	if (!Number.isFinite(n) || n < 0) throw new Error(`Invalid ${name} in configuration: "${value}"`);
	return n;
}

export function orderSettings(env: Env = process.env) {
	return {
		reconcileIntervalMs: nonNegative(env.ORDER_RECONCILE_INTERVAL_MS, 10_000, "ORDER_RECONCILE_INTERVAL_MS"),
		stuckAfterMs: nonNegative(env.ORDER_STUCK_AFTER_MS, 30_000, "ORDER_STUCK_AFTER_MS"),
		reconcileBatch: Math.max(1, Math.floor(nonNegative(env.ORDER_RECONCILE_BATCH, 100, "ORDER_RECONCILE_BATCH")))
	};
}

export type OrderSettings = ReturnType<typeof orderSettings>;
