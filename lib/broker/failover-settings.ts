/**
 * Settings of the failover middleware (lib/broker/failover.middleware.ts), read from the
 * environment at call time.
 *
 * FAILOVER_PROBE_AFTER_MS (1000): a call to another node that has not answered after this long
 * makes the caller ping that node (0: never). FAILOVER_PING_TIMEOUT_MS (1000): a node that does not
 * answer that ping within this long is taken out of the balancer until it is heard from again.
 */
import { numberSetting, type Env } from "../env";

export interface FailoverSettings {
	probeAfterMs: number;
	pingTimeoutMs: number;
}

export function failoverSettings(env: Env = process.env): FailoverSettings {
	return {
		probeAfterMs: numberSetting(env, "FAILOVER_PROBE_AFTER_MS", 1000, 0),
		pingTimeoutMs: numberSetting(env, "FAILOVER_PING_TIMEOUT_MS", 1000, 50)
	};
}
