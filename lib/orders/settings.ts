/**
 * Settings of the orders service, read from the environment at call time (like lib/config.ts):
 * ORDER_RECONCILE_INTERVAL_MS (10 s; 0 turns the timer off), ORDER_STUCK_AFTER_MS (30 s),
 * ORDER_RECONCILE_BATCH (100 orders per pass at most).
 */
import { numberSetting, type Env } from "../env";

export function orderSettings(env: Env = process.env) {
	return {
		reconcileIntervalMs: numberSetting(env, "ORDER_RECONCILE_INTERVAL_MS", 10_000),
		stuckAfterMs: numberSetting(env, "ORDER_STUCK_AFTER_MS", 30_000),
		reconcileBatch: Math.max(1, Math.floor(numberSetting(env, "ORDER_RECONCILE_BATCH", 100)))
	};
}

export type OrderSettings = ReturnType<typeof orderSettings>;
