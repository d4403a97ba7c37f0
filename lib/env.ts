/**
 * The one way settings are read. The platform's settings are in lib/config.ts, each domain's
 * tunables in its lib/<domain>/settings.ts; all of them read the environment at call time (tests
 * and the benchmark change it before brokers are created) through these readers, which refuse a
 * bad value at start with the variable named. docs/configuration.md lists every variable, and a
 * test fails when one is read but not documented.
 */
export type Env = Record<string, string | undefined>;

/** A number of at least `min`; `fallback` when unset or empty. */
export function numberSetting(env: Env, name: string, fallback: number, min = 0): number {
	const value = env[name];
	if (value === undefined || value === "") return fallback;
	const n = Number(value);
	if (!Number.isFinite(n) || n < min) throw new Error(`Invalid ${name} in configuration: "${value}"`);
	return n;
}

/** A number above 0; `fallback` when unset or empty. */
export function positiveSetting(env: Env, name: string, fallback: number): number {
	const n = numberSetting(env, name, fallback, -Infinity);
	if (!(n > 0)) throw new Error(`Invalid ${name} in configuration: "${env[name]}"`);
	return n;
}

/** true or false (also 1/0, yes/no, on/off); false when unset or empty. */
export function flagSetting(env: Env, name: string): boolean {
	const value = (env[name] ?? "").trim().toLowerCase();
	if (["", "0", "false", "no", "off"].includes(value)) return false;
	if (["1", "true", "yes", "on"].includes(value)) return true;
	throw new Error(`Invalid ${name} in configuration: "${env[name]}" (true or false)`);
}
