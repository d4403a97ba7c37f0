/**
 * Picks the store for a URI: mongodb:// Mongoose, any other scheme Sequelize, none the embedded
 * SQLite database (a file per service under DATA_DIR, or memory only).
 */
import path from "node:path";
import type { MongooseStore } from "./mongoose-store";
import type { SequelizeStore } from "./sequelize-store";
import { SqliteDatabase } from "./sqlite-database";
import { SqliteStore } from "./sqlite-store";
import type { CollectionSpec, Doc, Store } from "./types";

export * from "./types";

export interface StoreOptions {
	uri: string | null;
	/** The embedded database's directory (its file is `store.sqlite` there); null keeps it in memory. */
	dataDir: string | null;
	connectTimeoutMs: number;
	/** Connections of a database server's pool, per URI and process (Sequelize). */
	poolMax?: number;
}

/** The embedded database's file in a service's data directory. */
export function embeddedDatabaseFile(dataDir: string): string {
	return path.join(dataDir, "store.sqlite");
}

/*
 * The database adapters are loaded only when a URI asks for them: Mongoose, Sequelize and their
 * drivers add about 80 MB to a process on the embedded store alone.
 */
/* eslint-disable @typescript-eslint/no-require-imports */
const mongooseStore = () => (require("./mongoose-store") as { MongooseStore: typeof MongooseStore }).MongooseStore;
const sequelizeStore = () => (require("./sequelize-store") as { SequelizeStore: typeof SequelizeStore }).SequelizeStore;
/* eslint-enable @typescript-eslint/no-require-imports */

function openStore<T extends Doc>(spec: CollectionSpec, embedded: SqliteDatabase | null, opts: StoreOptions): Store<T> {
	if (embedded) return new SqliteStore<T>(spec, embedded);
	if (/^mongodb(\+srv)?:\/\//i.test(opts.uri!)) return new (mongooseStore())<T>(spec, opts.uri!, opts.connectTimeoutMs);
	return new (sequelizeStore())<T>(spec, opts.uri!, opts.connectTimeoutMs, opts.poolMax);
}

const embeddedDatabase = (opts: StoreOptions) =>
	opts.uri ? null : new SqliteDatabase({ file: opts.dataDir ? embeddedDatabaseFile(opts.dataDir) : null });

/** The stores of one service: on the embedded store they share one database, so a transaction can span them. */
export function createStores(specs: CollectionSpec[], opts: StoreOptions): Record<string, Store> {
	const embedded = embeddedDatabase(opts);
	const stores: Record<string, Store> = {};
	for (const spec of specs) stores[spec.name] = openStore(spec, embedded, opts);
	return stores;
}

export function createStore<T extends Doc = Doc>(spec: CollectionSpec, opts: StoreOptions): Store<T> {
	return openStore<T>(spec, embeddedDatabase(opts), opts);
}
