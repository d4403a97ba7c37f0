/**
 * Settings of schema migrations, read from the environment at call time.
 *
 * MIGRATE_ON_START (false): a service started in production on PostgreSQL or MongoDB first brings
 * its database up to date itself, under the migration lock, instead of refusing to start when it
 * is behind. MIGRATE_LOCK_TIMEOUT_MS (300000): how long a migration run waits for another node's.
 */
import type { Env } from "../config";

function flag(env: Env, name: string): boolean {
	const value = (env[name] ?? "").trim().toLowerCase();
	if (["", "0", "false", "no", "off"].includes(value)) return false;
	if (["1", "true", "yes", "on"].includes(value)) return true;
	throw new Error(`Invalid ${name} in configuration: "${env[name]}" (true or false)`);
}

function atLeast(env: Env, name: string, fallback: number, min: number): number {
	const value = env[name];
	if (value === undefined || value === "") return fallback;
	const n = Number(value);
	if (!Number.isFinite(n) || n < min) throw new Error(`Invalid ${name} in configuration: "${value}" (at least ${min})`);
	return n;
}

export function migrationSettings(env: Env = process.env): { onStart: boolean; lockTimeoutMs: number } {
	return { onStart: flag(env, "MIGRATE_ON_START"), lockTimeoutMs: atLeast(env, "MIGRATE_LOCK_TIMEOUT_MS", 300_000, 0) };
}

/** Database servers whose schema migrations own (the embedded SQLite store keeps creating its tables itself). */
export function isMigratedUri(uri: string): boolean {
	return /^(postgres(ql)?|mongodb(\+srv)?):\/\//i.test(uri);
}

/**
 * In production a database server's schema changes only by migrations: the stores then neither
 * create tables nor indexes. Elsewhere (development, tests) they still create what is missing.
 */
export function schemaOwnedByMigrations(uri: string, env: Env = process.env): boolean {
	return (env.NODE_ENV ?? "development") === "production" && isMigratedUri(uri);
}
