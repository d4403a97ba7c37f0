/**
 * Settings of the realtime service, read from the environment at call time:
 * REALTIME_PING_INTERVAL_MS (30000): heartbeat; a socket that has not answered the previous ping is dropped.
 * REALTIME_AUTH_TIMEOUT_MS (5000): how long a socket opened without `?token=` has to send `{type:"auth", token}`.
 * WS_MAX_PER_ADDRESS (50), WS_MAX_PER_USER (10): open sockets per client address and per signed-in
 * user (lib/config.ts; 0: no cap). The address is the one the gateway's rate limits use (TRUST_PROXY).
 */
import { loadConfig } from "../config";
import { positiveSetting, type Env } from "../env";

export function realtimeSettings(env: Env = process.env) {
	const cfg = loadConfig(env);
	return {
		path: "/ws",
		pingIntervalMs: positiveSetting(env, "REALTIME_PING_INTERVAL_MS", 30_000),
		authTimeoutMs: positiveSetting(env, "REALTIME_AUTH_TIMEOUT_MS", 5_000),
		/** A client this far behind (bytes queued) is dropped rather than buffered without end. */
		maxBufferedBytes: 1024 * 1024,
		maxMessageBytes: 16 * 1024,
		maxPerAddress: Math.max(0, cfg.wsMaxPerAddress),
		maxPerUser: Math.max(0, cfg.wsMaxPerUser),
		trustProxyHops: cfg.trustProxyHops
	};
}

export type RealtimeSettings = ReturnType<typeof realtimeSettings>;
