/**
 * Settings of the failover middleware (lib/broker/failover.middleware.ts), read from the
 * environment at call time.
 *
 * FAILOVER_PROBE_AFTER_MS (1000): a call to another node that has not answered after this long
 * makes the caller ping that node (0: never). FAILOVER_PING_TIMEOUT_MS (1000): a node that does not
 * answer that ping within this long is taken out of the balancer until it is heard from again.
 */
import type { Env } from "../config";

function number(env: Env, name: string, fallback: number, min: number): number {
	const value = env[name];
	if (value === undefined || value === "") return fallback;
	const n = Number(value);
	if (!Number.isFinite(n) || n < min) throw new Error(`Invalid ${name} in configuration: "${value}" (at least ${min})`);
	return n;
}

export interface FailoverSettings {
	probeAfterMs: number;
	pingTimeoutMs: number;
}

export function failoverSettings(env: Env = process.env): FailoverSettings {
	return {
		probeAfterMs: number(env, "FAILOVER_PROBE_AFTER_MS", 1000, 0),
		pingTimeoutMs: number(env, "FAILOVER_PING_TIMEOUT_MS", 1000, 50)
	};
}
