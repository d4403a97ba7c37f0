/**
 * Migrations on PostgreSQL: the record is the table schema_migrations (service, name, appliedAt);
 * the lock is a session-level advisory lock, so a node that dies while migrating releases it.
 * A step and its record commit together: a crash leaves the migration either done or not begun.
 */
import { Client } from "pg";
import { pollUntil, type MigrationTarget } from "./target";
import type { ServiceStep } from "./types";

/** The advisory lock key every node of this application takes to migrate (any constant unique to us). */
const LOCK_KEY = 7_236_405_817;

const STATE_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
	service TEXT NOT NULL,
	name TEXT NOT NULL,
	"appliedAt" TIMESTAMPTZ NOT NULL DEFAULT now(),
	PRIMARY KEY (service, name)
)`;

const RECORD = `INSERT INTO schema_migrations (service, name) VALUES ($1, $2) ON CONFLICT DO NOTHING`;

export async function openPostgresTarget(uri: string, connectTimeoutMs: number): Promise<MigrationTarget> {
	const client = new Client({ connectionString: uri, connectionTimeoutMillis: connectTimeoutMs });
	await client.connect();
	let stateTableReady = false;
	const stateTableExists = async () =>
		stateTableReady || (await client.query("SELECT to_regclass('schema_migrations') AS t")).rows[0].t !== null;

	return {
		async lock(timeoutMs, onWait) {
			const tryLock = async () => (await client.query("SELECT pg_try_advisory_lock($1) AS ok", [LOCK_KEY])).rows[0].ok === true;
			await pollUntil(tryLock, timeoutMs, onWait, "The migration lock (PostgreSQL advisory lock) is");
			await client.query(STATE_TABLE);
			stateTableReady = true;
		},
		async unlock() {
			await client.query("SELECT pg_advisory_unlock($1)", [LOCK_KEY]);
		},
		async executed(service) {
			if (!(await stateTableExists())) return [];
			const { rows } = await client.query("SELECT name FROM schema_migrations WHERE service = $1 ORDER BY name", [service]);
			return rows.map(r => r.name as string);
		},
		async apply(service, name, step: ServiceStep) {
			await client.query("BEGIN");
			try {
				for (const statement of step.postgres) await client.query(statement);
				await client.query(RECORD, [service, name]);
				await client.query("COMMIT");
			} catch (err) {
				await client.query("ROLLBACK").catch(() => undefined);
				throw new Error(`Migration ${name} of ${service} failed: ${(err as Error).message}`, { cause: err });
			}
		},
		async record(service, name) {
			await client.query(RECORD, [service, name]);
		},
		async unrecord(service, name) {
			await client.query("DELETE FROM schema_migrations WHERE service = $1 AND name = $2", [service, name]);
		},
		async close() {
			await client.end();
		}
	};
}
