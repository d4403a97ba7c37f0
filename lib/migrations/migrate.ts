/**
 * Brings services' databases to the latest schema with umzug: for each service, the steps of the
 * migrations that name it, in order, skipping those its database records as applied. One node at
 * a time migrates a database (the target's lock); the others wait, then find nothing left to do.
 */
import { Umzug } from "umzug";
import { maskUri } from "../mask-uri";
import { openMongoTarget } from "./mongo-target";
import { openPostgresTarget } from "./postgres-target";
import type { MigrationTarget } from "./target";
import type { Migration } from "./types";
import { MIGRATIONS } from "./versions";

export interface MigrationLogger {
	info(message: string): void;
}

export interface MigrateOptions {
	uri: string;
	/** The services whose tables live in this database. */
	services: string[];
	connectTimeoutMs: number;
	lockTimeoutMs: number;
	logger?: MigrationLogger;
	/** Tests pass their own list; the application's is MIGRATIONS. */
	migrations?: readonly Migration[];
}

export interface AppliedMigration {
	service: string;
	name: string;
}

async function openTarget(uri: string, connectTimeoutMs: number): Promise<MigrationTarget> {
	if (/^mongodb(\+srv)?:\/\//i.test(uri)) return openMongoTarget(uri, connectTimeoutMs);
	if (/^postgres(ql)?:\/\//i.test(uri)) return openPostgresTarget(uri, connectTimeoutMs);
	throw new Error(`No migrations for ${maskUri(uri)}: they run on PostgreSQL and MongoDB`);
}

function umzugFor(target: MigrationTarget, service: string, migrations: readonly Migration[]) {
	return new Umzug({
		migrations: migrations
			.filter(m => m.services[service])
			.map(m => ({ name: m.name, up: () => target.apply(service, m.name, m.services[service]) })),
		storage: {
			executed: () => target.executed(service),
			logMigration: ({ name }) => target.record(service, name),
			unlogMigration: ({ name }) => target.unrecord(service, name)
		},
		logger: undefined
	});
}

/** Applies what is missing, under the lock; returns what it applied (nothing when another node did it). */
export async function migrate(opts: MigrateOptions): Promise<AppliedMigration[]> {
	const migrations = opts.migrations ?? MIGRATIONS;
	const where = maskUri(opts.uri);
	const target = await openTarget(opts.uri, opts.connectTimeoutMs);
	const applied: AppliedMigration[] = [];
	try {
		await target.lock(opts.lockTimeoutMs, () => opts.logger?.info(`Waiting for another node's migration of ${where}`));
		try {
			for (const service of opts.services) {
				for (const { name } of await umzugFor(target, service, migrations).up()) {
					applied.push({ service, name });
					opts.logger?.info(`Applied migration ${name} of ${service} to ${where}`);
				}
			}
		} finally {
			await target.unlock();
		}
	} finally {
		await target.close();
	}
	return applied;
}

/** The service's migrations its database has not recorded yet (read without the lock). */
export async function pendingMigrations(opts: Omit<MigrateOptions, "services" | "lockTimeoutMs"> & { service: string }): Promise<string[]> {
	const target = await openTarget(opts.uri, opts.connectTimeoutMs);
	try {
		return (await umzugFor(target, opts.service, opts.migrations ?? MIGRATIONS).pending()).map(m => m.name);
	} finally {
		await target.close();
	}
}
