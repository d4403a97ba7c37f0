/**
 * Settings of log shipping and of the logs service, read from the environment at call time.
 *
 * Every node: LOG_SHIP_LEVEL (info): the least severe level shipped to the logs service over the
 * bus (fatal, error, warn, info, debug, trace; `off` ships nothing); LOG_SHIP_INTERVAL_MS (1000):
 * how often a node sends its batch. JSON lines on stdout (LOG_FORMAT=json) do not depend on these.
 *
 * Logs service: LOGS_MAX_ENTRIES (100000) and LOGS_MAX_AGE_MS (7 days): the cap, enforced every
 * LOGS_PRUNE_INTERVAL_MS (60000; 0 turns pruning off).
 */
import { numberSetting, type Env } from "../env";
import { LOG_LEVELS, type LogLevel } from "./record";

export function shipSettings(env: Env = process.env): { level: LogLevel | null; intervalMs: number } {
	const raw = (env.LOG_SHIP_LEVEL ?? "info").trim().toLowerCase() || "info";
	let level: LogLevel | null;
	if (["off", "none", "false", "0"].includes(raw)) level = null;
	else if ((LOG_LEVELS as readonly string[]).includes(raw)) level = raw as LogLevel;
	else throw new Error(`Invalid LOG_SHIP_LEVEL in configuration: "${env.LOG_SHIP_LEVEL}" (one of ${LOG_LEVELS.join(", ")}, off)`);
	return { level, intervalMs: numberSetting(env, "LOG_SHIP_INTERVAL_MS", 1000, 10) };
}

export function logsSettings(env: Env = process.env) {
	return {
		maxEntries: Math.floor(numberSetting(env, "LOGS_MAX_ENTRIES", 100_000, 1)),
		maxAgeMs: numberSetting(env, "LOGS_MAX_AGE_MS", 7 * 86_400_000, 1),
		pruneIntervalMs: numberSetting(env, "LOGS_PRUNE_INTERVAL_MS", 60_000, 0)
	};
}
