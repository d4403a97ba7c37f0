/**
 * What `npm run migrate` does: every service with a migration (or the ones named) is looked up in
 * the configuration (`<SERVICE>_DB_URI`, else `DB_URI`), services sharing a database are migrated
 * together, and services on the embedded store are skipped (it creates its own tables).
 */
import { loadConfig, serviceDbUri, type Env } from "../config";
import { maskUri } from "../mask-uri";
import { migrate, type AppliedMigration, type MigrationLogger } from "./migrate";
import { migrationSettings } from "./settings";
import { migratedServices } from "./versions";

export async function migrateConfiguredDatabases(
	services: string[],
	logger: MigrationLogger,
	env: Env = process.env
): Promise<AppliedMigration[]> {
	const known = migratedServices();
	const unknown = services.filter(s => !known.includes(s));
	if (unknown.length) throw new Error(`No migrations for ${unknown.join(", ")} (services: ${known.join(", ")})`);
	const byUri = new Map<string, string[]>();
	for (const service of services.length ? services : known) {
		const uri = serviceDbUri(service, env);
		if (!uri) {
			logger.info(`${service}: embedded store, nothing to migrate`);
			continue;
		}
		byUri.set(uri, [...(byUri.get(uri) ?? []), service]);
	}
	const { dbConnectTimeoutMs } = loadConfig(env);
	const { lockTimeoutMs } = migrationSettings(env);
	const applied: AppliedMigration[] = [];
	for (const [uri, group] of byUri) {
		const done = await migrate({ uri, services: group, connectTimeoutMs: dbConnectTimeoutMs, lockTimeoutMs, logger });
		logger.info(`${maskUri(uri)} (${group.join(", ")}): ${done.length ? `${done.length} migration(s) applied` : "up to date"}`);
		applied.push(...done);
	}
	return applied;
}
