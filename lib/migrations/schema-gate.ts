/**
 * The start of a service in production on a database server: with MIGRATE_ON_START it migrates its
 * database first (one node at a time, the others wait); otherwise it refuses to start while its
 * database lacks a migration, naming the command that fixes it. Outside production, or on the
 * embedded store, the stores create their tables themselves and this does nothing.
 */
import { loadConfig } from "../config";
import { maskUri } from "../mask-uri";
import { migrate, pendingMigrations, type MigrationLogger } from "./migrate";
import { migrationSettings, schemaOwnedByMigrations } from "./settings";
import { migratedServices } from "./versions";

export class SchemaNotReadyError extends Error {
	constructor(message: string) {
		super(message);
		this.name = "SchemaNotReadyError";
		// The message says everything an operator needs; a stack trace would only bury it.
		this.stack = `${this.name}: ${message}`;
	}
}

export async function prepareServiceSchema(service: string, uri: string | null, logger: MigrationLogger): Promise<void> {
	if (!uri || !schemaOwnedByMigrations(uri)) return;
	const where = maskUri(uri);
	if (!migratedServices().includes(service))
		throw new SchemaNotReadyError(`Service "${service}": no migration creates its tables (lib/migrations/versions)`);
	const { dbConnectTimeoutMs } = loadConfig();
	const { onStart, lockTimeoutMs } = migrationSettings();
	let pending: string[];
	try {
		if (onStart) {
			await migrate({ uri, services: [service], connectTimeoutMs: dbConnectTimeoutMs, lockTimeoutMs, logger });
			return;
		}
		pending = await pendingMigrations({ uri, service, connectTimeoutMs: dbConnectTimeoutMs });
	} catch (err) {
		throw new SchemaNotReadyError(`Service "${service}" cannot prepare its database ${where}: ${(err as Error).message}`);
	}
	if (pending.length > 0)
		throw new SchemaNotReadyError(
			`Service "${service}": its database ${where} lacks migrations ${pending.join(", ")}; ` +
				"run `npm run migrate` (or start with MIGRATE_ON_START=true)"
		);
}
