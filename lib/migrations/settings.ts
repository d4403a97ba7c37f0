/**
 * Settings of schema migrations, read from the environment at call time.
 *
 * MIGRATE_ON_START (false): a service started in production on PostgreSQL or MongoDB first brings
 * its database up to date itself, under the migration lock, instead of refusing to start when it
 * is behind. MIGRATE_LOCK_TIMEOUT_MS (300000): how long a migration run waits for another node's.
 */
import { flagSetting, numberSetting, type Env } from "../env";

export function migrationSettings(env: Env = process.env): { onStart: boolean; lockTimeoutMs: number } {
	return { onStart: flagSetting(env, "MIGRATE_ON_START"), lockTimeoutMs: numberSetting(env, "MIGRATE_LOCK_TIMEOUT_MS", 300_000, 0) };
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
