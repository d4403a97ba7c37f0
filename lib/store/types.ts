/**
 * The storage contract every service codes against. One implementation per adapter (embedded
 * SQLite, Sequelize, Mongoose); each keeps a string `id`, offers an atomic conditional update, so
 * domain code never does read-then-write for invariants such as "stock never negative", and runs
 * writes to several collections of one database as one transaction.
 */

export type Primitive = string | number | boolean | null;

export interface Comparison {
	eq?: Primitive;
	ne?: Primitive;
	gt?: number | string;
	gte?: number | string;
	lt?: number | string;
	lte?: number | string;
	in?: Primitive[];
	/** Case-insensitive substring match. */
	contains?: string;
}

export type Condition = Primitive | Comparison;

/** Field conditions are ANDed; `$or` holds alternatives. */
export interface Filter {
	[field: string]: Condition | Filter[] | undefined;
	$or?: Filter[];
}

export type SortSpec = Array<[field: string, direction: "asc" | "desc"]>;

export interface FindOptions {
	where?: Filter;
	sort?: SortSpec;
	limit?: number;
	offset?: number;
}

export interface Update {
	set?: Record<string, unknown>;
	inc?: Record<string, number>;
}

export type FieldType = "string" | "integer" | "number" | "boolean" | "json";

export interface FieldSpec {
	type: FieldType;
	required?: boolean;
	index?: boolean;
	unique?: boolean;
	default?: unknown;
}

export interface CollectionSpec {
	/** Collection / table name, unique within the database. */
	name: string;
	fields: Record<string, FieldSpec>;
	/** Compound indexes. */
	indexes?: Array<{ fields: string[]; unique?: boolean }>;
	/**
	 * Records written and removed by id, many per order, each well under a page: the embedded store
	 * keeps them in id order in the table itself (SQLite's WITHOUT ROWID), one b-tree fewer to write
	 * than a rowid table with its index on id. Taken when the table is created; other stores ignore it.
	 */
	keyedById?: boolean;
}

export type Doc = { id: string } & Record<string, unknown>;

export interface ReadOptions {
	/**
	 * A read that may scan much: a periodic count, or a page of a whole collection with its total
	 * (an admin's page of the paid ones among a million orders took up to 1.3 s). The embedded store runs
	 * it on its checkpointer's thread, off the event loop, from what was committed when the worker
	 * runs it (every acknowledged write), a page and its total on one snapshot. Other stores read on
	 * their server as always.
	 */
	background?: boolean;
}

export interface PageOfDocs<T> {
	docs: T[];
	total: number;
}

export interface WriteOptions {
	/**
	 * The write records work already done, and losing it in a crash is harmless (it is done again, or
	 * skipped by state): the embedded store applies it at once and makes it durable with the
	 * database's next commit instead of one of its own (lib/store/sqlite-database.ts). Other adapters
	 * write it as usual.
	 */
	deferrable?: boolean;
}

export interface Store<T extends Doc = Doc> {
	readonly collection: string;
	readonly kind: "sqlite" | "sequelize" | "mongoose";
	connect(): Promise<void>;
	disconnect(): Promise<void>;
	/** Cheap round trip to the database, for readiness checks. */
	ping(): Promise<void>;
	/** Inserts a document; `id` is generated unless given. Throws DuplicateKeyError on a unique clash. */
	insert(doc: Omit<T, "id"> & { id?: string }, opts?: WriteOptions): Promise<T>;
	findById(id: string): Promise<T | null>;
	findOne(where: Filter): Promise<T | null>;
	find(options?: FindOptions): Promise<T[]>;
	count(where?: Filter, opts?: ReadOptions): Promise<number>;
	/** The page `options` selects and how many documents match its `where` in all, read together. */
	findWithTotal(options: FindOptions, opts?: ReadOptions): Promise<PageOfDocs<T>>;
	/** Atomically applies `update` to the document with this id if it also matches `where`; null when nothing matched. */
	updateById(id: string, update: Update, where?: Filter): Promise<T | null>;
	updateMany(where: Filter, update: Update): Promise<number>;
	removeById(id: string): Promise<boolean>;
	removeMany(where: Filter, opts?: WriteOptions): Promise<number>;
	/**
	 * Runs `work` as one transaction of this store's database: the writes of the stores it binds
	 * commit together, or none of them when it throws (the error is rethrown). Other callers do not
	 * see them before the commit. Transactions do not nest.
	 */
	transaction<R>(work: (tx: TransactionScope) => Promise<R>): Promise<R>;
}

export interface TransactionScope {
	/** The view of `store` (this one or another collection of the same database) that writes in the transaction. */
	bind<U extends Doc>(store: Store<U>): Store<U>;
}

/** The database cannot run transactions (a standalone MongoDB server); callers may fall back to ordered writes. */
export class TransactionsUnsupportedError extends Error {
	constructor(message: string) {
		super(message);
		this.name = "TransactionsUnsupportedError";
	}
}

/** A unique index refused the write. */
export class DuplicateKeyError extends Error {
	constructor(
		public readonly collection: string,
		public readonly fields: string[]
	) {
		super(`Duplicate key in ${collection} (${fields.join(", ") || "unique index"})`);
		this.name = "DuplicateKeyError";
	}
}
