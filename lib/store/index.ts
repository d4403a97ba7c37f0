/** Picks the store for a URI: mongodb:// Mongoose, any other scheme Sequelize, none the embedded NeDB. */
import { MongooseStore } from "./mongoose-store";
import { NedbStore } from "./nedb-store";
import { SequelizeStore } from "./sequelize-store";
import type { CollectionSpec, Doc, Store } from "./types";

export * from "./types";

export interface StoreOptions {
	uri: string | null;
	dataDir: string | null;
	connectTimeoutMs: number;
}

export function createStore<T extends Doc = Doc>(spec: CollectionSpec, opts: StoreOptions): Store<T> {
	if (!opts.uri) return new NedbStore<T>(spec, opts.dataDir);
	if (/^mongodb(\+srv)?:\/\//i.test(opts.uri)) return new MongooseStore<T>(spec, opts.uri, opts.connectTimeoutMs);
	return new SequelizeStore<T>(spec, opts.uri, opts.connectTimeoutMs);
}
