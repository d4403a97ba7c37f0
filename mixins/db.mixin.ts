/**
 * Gives a service its own collections on the database its environment names:
 * `<SERVICE>_DB_URI`, else `DB_URI`, else the embedded SQLite database DATA_DIR/<service>/store.sqlite.
 * A database that cannot be reached at start fails the service at once with one clear line.
 * With `{ outbox: true }` the service also gets its outbox and inbox tables (lib/outbox/): domain
 * events are recorded with the changes they announce (`this.outbox.write`) and relayed after.
 */
import path from "node:path";
import type { Service } from "moleculer";
import { loadConfig, serviceDbUri } from "../lib/config";
import { maskUri } from "../lib/mask-uri";
import { prepareServiceSchema } from "../lib/migrations/schema-gate";
import { importNedbDataDir } from "../lib/store/nedb-import";
import { handledEventsCollection, outboxCollection, type HandledRecord, type OutboxRecord } from "../lib/outbox/collections";
import type { Inbox } from "../lib/outbox/inbox";
import type { Outbox } from "../lib/outbox/outbox";
import { createServiceOutbox } from "../lib/outbox/service-outbox";
import { createStores, embeddedDatabaseFile, type CollectionSpec, type Doc, type Store, type TransactionScope } from "../lib/store";
import type { AnyServiceSchema, MixinSchema } from "../types/service-schema";

export interface DbThis {
	stores: Record<string, Store>;
	/** The embedded database's directory (DATA_DIR/<service>), null on a database server or in memory. */
	embeddedDir: string | null;
	/** Which database this service uses, password masked (for logs and /health). */
	dbDescription: string;
	store<T extends Doc>(name: string): Store<T>;
	/** One transaction over this service's collections (they share one database). */
	transaction<R>(work: (tx: TransactionScope) => Promise<R>): Promise<R>;
	dbHealth(): Promise<void>;
	/** With `{ outbox: true }`: records this service's events with its writes, and relays them. */
	outbox: Outbox;
	/** With `{ outbox: true }`: the ids of the events this service's consumers handled. */
	inbox: Inbox;
}

export class DatabaseUnavailableError extends Error {
	constructor(service: string, where: string, cause: unknown) {
		super(`Service "${service}" cannot reach its database ${where}: ${(cause as Error)?.message ?? cause}`);
		this.name = "DatabaseUnavailableError";
		// The message says everything an operator needs; a stack trace would only bury it.
		this.stack = `${this.name}: ${this.message}`;
	}
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
	let timer: NodeJS.Timeout;
	const timeout = new Promise<never>((_, reject) => {
		timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms (${what})`)), ms);
	});
	return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export function DbMixin(own: CollectionSpec[], opts: { outbox?: boolean } = {}): Partial<AnyServiceSchema> {
	const schema: MixinSchema<Service & DbThis> = {
		created() {
			const collections = opts.outbox ? [...own, outboxCollection(this.name), handledEventsCollection(this.name)] : own;
			const config = loadConfig();
			const uri = serviceDbUri(this.name);
			const dataDir = config.dataDir === path.resolve(":memory:") ? null : path.join(config.dataDir, this.name);
			this.dbDescription = uri
				? maskUri(uri)
				: dataDir
					? `embedded SQLite at ${embeddedDatabaseFile(dataDir)}`
					: "embedded SQLite in memory";
			this.stores = createStores(collections, {
				uri,
				dataDir,
				connectTimeoutMs: config.dbConnectTimeoutMs,
				poolMax: config.dbPoolMax
			});
			this.embeddedDir = uri ? null : dataDir;
			if (opts.outbox)
				Object.assign(
					this,
					createServiceOutbox(
						this.broker,
						this.name,
						this.stores[outboxCollection(this.name).name] as Store<OutboxRecord>,
						this.stores[handledEventsCollection(this.name).name] as Store<HandledRecord>,
						this.logger
					)
				);
		},

		async started() {
			const { dbConnectTimeoutMs } = loadConfig();
			// In production a database server's schema is the migrations': applied now (MIGRATE_ON_START) or checked.
			await prepareServiceSchema(this.name, serviceDbUri(this.name), this.logger);
			try {
				for (const store of Object.values(this.stores)) {
					await withTimeout(store.connect(), dbConnectTimeoutMs + 1000, `connecting ${store.collection}`);
				}
			} catch (err) {
				await Promise.all(Object.values(this.stores).map(s => s.disconnect().catch(() => undefined)));
				throw new DatabaseUnavailableError(this.name, this.dbDescription, err);
			}
			this.logger.info(`Connected to ${this.dbDescription}`);
			// Data directories of releases up to 0.1.0 hold NeDB files: imported once, then kept renamed.
			if (this.embeddedDir) await importNedbDataDir(this.embeddedDir, this.stores, this.logger);
			(this.outbox as Outbox | undefined)?.start();
		},

		async stopped() {
			await (this.outbox as Outbox | undefined)?.stop();
			await Promise.all(Object.values(this.stores).map(s => s.disconnect()));
		},

		methods: {
			store<T extends Doc>(name: string): Store<T> {
				const s = this.stores[name];
				if (!s) throw new Error(`Unknown collection ${name}`);
				// The caller names the collection, and with it the type of its documents.
				return s as Store<T>;
			},
			transaction<R>(work: (tx: TransactionScope) => Promise<R>): Promise<R> {
				const first = Object.values(this.stores)[0];
				if (!first) throw new Error(`${this.name} has no collections`);
				return first.transaction(work);
			},
			async dbHealth() {
				await Promise.all(Object.values(this.stores).map(s => withTimeout(s.ping(), 2000, `ping ${s.collection}`)));
			}
		}
	};
	return schema;
}
