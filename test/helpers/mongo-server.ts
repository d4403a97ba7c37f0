/**
 * In-process MongoDB wire-protocol server for tests, without mongod.
 *
 * It runs "CongoDB" (the `CongoServer` of `@push.rocks/smartmongo`, pinned to 2.2.0), a MongoDB wire-protocol server written
 * in TypeScript, on 127.0.0.1 with a port the OS picks. Mongoose and the official driver connect to it as they would to a
 * standalone mongod. The data lives in memory and is gone when the server stops.
 *
 * How it is loaded: the package is ESM-only ("type": "module", no CommonJS build), and this project is CommonJS.
 * Jest's module registry cannot load ESM: `await import()` is compiled to `require()` by the TypeScript transform, and a real `import()`
 * needs `--experimental-vm-modules`. So the helper gets Node's own `require` through `process.getBuiltinModule("node:module")`,
 * which jest does not intercept, and Node (>= 20.19 / 22.12) loads the ESM graph through `require()`. That module then
 * lives outside jest's registry: it is loaded once per worker process, and jest's fake timers do not reach it.
 * We import the `dist_ts/congodb/index.js` sub-path, not the package's root, so the root's `mongodb-memory-server` import
 * (which would try to download mongod) never runs.
 *
 * Patches: CongoDB 2.2.0 keeps only ObjectId `_id`s. A string `_id` (our entity ids are UUIDs) fails on insert with
 * "input must be a 24 character hex string...", and a 24-hex string is silently turned into an ObjectId. It also never
 * enforces unique secondary indexes. `applyPatches` below fixes both, and a few smaller gaps listed there, by replacing
 * methods on CongoDB's classes once per process. The patches do not change how ObjectId `_id`s are stored.
 */
import { randomBytes } from "node:crypto";
import * as jestOrNodeModule from "node:module";

export interface MongoServer {
	/** mongodb://127.0.0.1:PORT/DBNAME, with a database name unique to this call */
	uri: string;
	dbName: string;
	port: number;
	/** Closes the server and every client socket still open. Close your mongoose connections first. Safe to call twice. */
	stop(): Promise<void>;
}

type Doc = Record<string, unknown>;
type BsonValue = { _bsontype?: string; toHexString?: () => string };

interface IndexSpec {
	name: string;
	key: Record<string, unknown>;
	unique?: boolean;
	sparse?: boolean;
	expireAfterSeconds?: number;
	partialFilterExpression?: Doc;
}

interface Storage {
	ensureCollection(db: string, coll: string): Map<string, Doc>;
	getIndexes(db: string, coll: string): Promise<IndexSpec[]>;
	saveIndex(db: string, coll: string, name: string, spec: Omit<IndexSpec, "name">): Promise<void>;
	findAll(db: string, coll: string): Promise<Doc[]>;
}

interface IndexEngineThis {
	dbName: string;
	collName: string;
	storage: Storage;
	indexes: Map<string, IndexSpec & { entries: Map<string, Set<string>> }>;
	initialized: boolean;
	initialize(): Promise<void>;
	generateIndexName(key: Record<string, unknown>): string;
}

interface CongoServerInstance {
	start(): Promise<void>;
	stop(): Promise<void>;
}

interface CongoModule {
	CongoServer: new (options: { host?: string; port?: number }) => CongoServerInstance;
	MemoryStorageAdapter: { prototype: Record<string, unknown> };
	IndexEngine: { prototype: Record<string, unknown> };
	QueryEngine: {
		matches(doc: Doc, filter: Doc): boolean;
		getNestedValue(doc: unknown, path: string): unknown;
		compareValues(a: unknown, b: unknown): number;
	};
	UpdateEngine: { deepClone(value: unknown): unknown };
	ObjectId: new () => BsonValue;
	plugins: { bson: { EJSON: { stringify(value: unknown, options?: { relaxed?: boolean }): string } } };
}

const CONGO_ENTRY = "@push.rocks/smartmongo/dist_ts/congodb/index.js";
const PATCHED = Symbol.for("moleculer-shop.congodb.patched");

let congo: CongoModule | undefined;

function loadCongo(): CongoModule {
	if (congo) return congo;
	type NodeModuleApi = { createRequire(path: string): (id: string) => unknown };
	const getBuiltin = (process as unknown as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule;
	// Inside jest, an imported "node:module" is jest's own (it cannot load ESM); getBuiltinModule (Node >= 20.16) is Node's.
	const nodeModule = (getBuiltin ? getBuiltin("node:module") : jestOrNodeModule) as NodeModuleApi;
	const mod = nodeModule.createRequire(__filename)(CONGO_ENTRY) as CongoModule;
	applyPatches(mod);
	congo = mod;
	return mod;
}

/** A database name unique to the call: jest workers, parallel files and repeated calls never share one. */
function uniqueDbName(): string {
	return `test_${process.pid}_${Date.now().toString(36)}_${randomBytes(4).toString("hex")}`;
}

export async function startMongoServer(): Promise<MongoServer> {
	const { CongoServer } = loadCongo();
	const server = new CongoServer({ host: "127.0.0.1", port: 0 });
	await server.start();
	// CongoServer's `port` getter returns the configured port (0 here); the bound one is on its private net.Server.
	const address = (server as unknown as { server: { address(): { port: number } } }).server.address();
	const dbName = uniqueDbName();
	let stopping: Promise<void> | undefined;
	return {
		// Polling heartbeats: CongoDB answers the driver's streaming heartbeats wrongly, and the driver
		// then clears its pool under load (MongoPoolClearedError). A real mongod needs no such option.
		uri: `mongodb://127.0.0.1:${address.port}/${dbName}?serverMonitoringMode=poll`,
		dbName,
		port: address.port,
		stop: () => (stopping ??= server.stop())
	};
}

/**
 * Fixes to CongoDB 2.2.0, applied once per process (the module is cached by Node, outside jest's registry):
 * 1. `_id` of any type. Upstream keys its in-memory Map by `_id.toHexString()` and coerces every `_id` with `new ObjectId(_id)`.
 *    Here the key is the hex string for ObjectIds (as upstream) and a type-tagged string for anything else, and `_id` is stored
 *    as given. Changing `_id` in an update is refused (code 66), as mongod does.
 * 2. Unique secondary indexes. Upstream stores them (createIndexes, listIndexes work) but checks nothing on insert or update.
 *    Here every insert and update (update, findAndModify, upsert) checks the collection's unique indexes, honouring `sparse`
 *    and `partialFilterExpression`, and fails with code 11000 like mongod. createIndexes with `unique` on duplicate data
 *    fails with 11000 too. IndexEngine's own bookkeeping (which calls `_id.toHexString()` and caches a stale copy after a drop)
 *    is replaced by reading the index list from storage every time.
 * 3. Sort order. Upstream compares strings with `localeCompare` ("a" < "B") and mixed types as strings; mongod compares
 *    strings by code points ("B" < "a") and different types by BSON type order. Here the sort comparator follows mongod
 *    for null, numbers, strings, objects, ObjectIds, booleans and dates.
 * 4. Update operators copied BSON values field by field (deepClone), turning a Decimal128/Long/UUID/Binary field into a plain
 *    object on any `$set`/`$inc` of the document. Here BSON values are kept as they are (they are immutable).
 */
function applyPatches(mod: CongoModule): void {
	const marker = mod.MemoryStorageAdapter as unknown as Record<symbol, boolean>; // a module namespace is not extensible
	if (marker[PATCHED]) return;
	marker[PATCHED] = true;

	const { QueryEngine, UpdateEngine, ObjectId } = mod;
	const { EJSON } = mod.plugins.bson;

	const isObjectId = (v: unknown): v is BsonValue => (v as BsonValue | null)?._bsontype === "ObjectId";
	const idKey = (id: unknown): string => {
		if (isObjectId(id)) return id.toHexString!();
		if (typeof id === "string") return `s:${id}`;
		return `x:${EJSON.stringify(id, { relaxed: false })}`;
	};
	const show = (v: unknown): string => EJSON.stringify(v ?? null, { relaxed: true });
	const duplicateKey = (db: string, coll: string, index: IndexSpec, keyValue: Doc): Error =>
		Object.assign(new Error(`E11000 duplicate key error collection: ${db}.${coll} index: ${index.name} dup key: ${show(keyValue)}`), {
			code: 11000,
			codeName: "DuplicateKey",
			keyPattern: index.key,
			keyValue
		});

	/** Key of `doc` in a unique index, or undefined when the index does not cover the document (sparse / partial). */
	const uniqueKey = (index: IndexSpec, doc: Doc): { text: string; value: Doc } | undefined => {
		if (index.partialFilterExpression && !QueryEngine.matches(doc, index.partialFilterExpression)) return undefined;
		const value: Doc = {};
		let present = false;
		for (const field of Object.keys(index.key)) {
			const v = QueryEngine.getNestedValue(doc, field);
			if (v !== undefined) present = true;
			value[field] = v ?? null;
		}
		if (index.sparse && !present) return undefined;
		return { text: EJSON.stringify(Object.values(value), { relaxed: false }), value };
	};

	const checkUnique = async (storage: Storage, db: string, coll: string, doc: Doc, selfKey: string): Promise<void> => {
		const indexes = (await storage.getIndexes(db, coll)).filter(i => i.unique && i.name !== "_id_");
		if (indexes.length === 0) return;
		const collection = storage.ensureCollection(db, coll);
		for (const index of indexes) {
			const mine = uniqueKey(index, doc);
			if (!mine) continue;
			for (const [key, other] of collection) {
				if (key !== selfKey && uniqueKey(index, other)?.text === mine.text) throw duplicateKey(db, coll, index, mine.value);
			}
		}
	};

	// 1 + 2: storage keyed by any _id type, unique indexes checked.
	const storage = mod.MemoryStorageAdapter.prototype;
	storage.insertOne = async function (this: Storage, db: string, coll: string, doc: Doc) {
		const collection = this.ensureCollection(db, coll);
		const stored: Doc = { ...doc };
		if (stored._id === undefined || stored._id === null) stored._id = new ObjectId();
		const key = idKey(stored._id);
		if (collection.has(key)) throw duplicateKey(db, coll, { name: "_id_", key: { _id: 1 } }, { _id: stored._id });
		await checkUnique(this, db, coll, stored, key);
		collection.set(key, stored);
		return stored;
	};
	storage.findById = async function (this: Storage, db: string, coll: string, id: unknown) {
		return this.ensureCollection(db, coll).get(idKey(id)) ?? null;
	};
	storage.updateById = async function (this: Storage, db: string, coll: string, id: unknown, doc: Doc) {
		const collection = this.ensureCollection(db, coll);
		const key = idKey(id);
		if (!collection.has(key)) return false;
		if (doc._id === undefined) doc = { ...doc, _id: id };
		else if (idKey(doc._id) !== key) {
			throw Object.assign(new Error("Performing an update on the path '_id' would modify the immutable field '_id'"), {
				code: 66,
				codeName: "ImmutableField"
			});
		}
		await checkUnique(this, db, coll, doc, key);
		collection.set(key, doc);
		return true;
	};
	storage.deleteById = async function (this: Storage, db: string, coll: string, id: unknown) {
		return this.ensureCollection(db, coll).delete(idKey(id));
	};

	// 2: index list always read from storage; unique createIndexes checks existing data.
	const indexEngine = mod.IndexEngine.prototype;
	indexEngine.initialize = async function (this: IndexEngineThis) {
		this.indexes = new Map();
		for (const spec of await this.storage.getIndexes(this.dbName, this.collName)) {
			this.indexes.set(spec.name, { ...spec, unique: !!spec.unique, sparse: !!spec.sparse, entries: new Map() });
		}
		this.initialized = true;
	};
	indexEngine.createIndex = async function (this: IndexEngineThis, key: Record<string, unknown>, options: Partial<IndexSpec> = {}) {
		await this.initialize();
		const name = options.name || this.generateIndexName(key);
		if (this.indexes.has(name)) return name;
		const spec: IndexSpec = {
			name,
			key,
			unique: options.unique,
			sparse: options.sparse,
			expireAfterSeconds: options.expireAfterSeconds,
			partialFilterExpression: options.partialFilterExpression
		};
		if (spec.unique) {
			const seen = new Set<string>();
			for (const doc of await this.storage.findAll(this.dbName, this.collName)) {
				const k = uniqueKey(spec, doc);
				if (!k) continue;
				if (seen.has(k.text)) throw duplicateKey(this.dbName, this.collName, spec, k.value);
				seen.add(k.text);
			}
		}
		const { name: _name, ...stored } = spec;
		await this.storage.saveIndex(this.dbName, this.collName, name, stored);
		this.indexes.set(name, { ...spec, entries: new Map() });
		return name;
	};

	// 3: mongod's order for sort().
	const typeRank = (v: unknown): number => {
		if (v === undefined || v === null) return 1;
		const bsonType = (v as BsonValue)._bsontype;
		if (typeof v === "number" || typeof v === "bigint" || ["Double", "Int32", "Long", "Decimal128"].includes(bsonType ?? "")) return 2;
		if (typeof v === "string") return 3;
		if (Array.isArray(v)) return 5;
		if (bsonType === "Binary" || v instanceof Uint8Array) return 6;
		if (bsonType === "ObjectId") return 7;
		if (typeof v === "boolean") return 8;
		if (v instanceof Date) return 9;
		if (bsonType === "Timestamp") return 10;
		if (v instanceof RegExp) return 11;
		return 4; // plain object
	};
	QueryEngine.compareValues = (a: unknown, b: unknown): number => {
		const ra = typeRank(a);
		const rb = typeRank(b);
		if (ra !== rb) return ra - rb;
		switch (ra) {
			case 1:
				return 0;
			case 2:
				return Number(a) - Number(b);
			case 3:
				return a === b ? 0 : (a as string) < (b as string) ? -1 : 1;
			case 7:
				return idKey(a) < idKey(b) ? -1 : idKey(a) > idKey(b) ? 1 : 0;
			case 8:
				return Number(a) - Number(b);
			case 9:
				return (a as Date).getTime() - (b as Date).getTime();
			default: {
				const sa = EJSON.stringify(a, { relaxed: false });
				const sb = EJSON.stringify(b, { relaxed: false });
				return sa < sb ? -1 : sa > sb ? 1 : 0;
			}
		}
	};

	// 4: keep BSON values intact in updates.
	const deepClone = UpdateEngine.deepClone.bind(UpdateEngine);
	UpdateEngine.deepClone = (value: unknown): unknown => {
		const bsonType = (value as BsonValue | null)?._bsontype;
		if (bsonType && bsonType !== "ObjectId") return value;
		if (value instanceof Uint8Array) return value.slice();
		if (value instanceof RegExp) return value;
		return deepClone(value);
	};
}
