/**
 * MongoDB store on mongoose 8. One connection per URI is shared by the collections of a process
 * (moleculer-db-adapter-mongoose's connect() binds to mongoose's global connection, which breaks
 * with two databases in one process, so the connection and the models are made here).
 * Conditional updates are findOneAndUpdate on the condition, atomic in the server.
 */
import mongoose, { Schema, type ClientSession, type Connection, type Model } from "mongoose";
import { newId } from "../ids";
import { schemaOwnedByMigrations } from "../migrations/settings";
import { toMongoFilter, toMongoUpdate } from "./mongo-filter";
import {
	DuplicateKeyError,
	TransactionsUnsupportedError,
	type CollectionSpec,
	type Doc,
	type FieldSpec,
	type Filter,
	type FindOptions,
	type PageOfDocs,
	type Store,
	type TransactionScope,
	type Update
} from "./types";

interface Shared {
	conn: Connection;
	users: number;
}

const connections = new Map<string, Shared>();

async function acquire(uri: string, timeoutMs: number): Promise<Connection> {
	let shared = connections.get(uri);
	if (!shared) {
		const conn = mongoose.createConnection(uri, { serverSelectionTimeoutMS: timeoutMs, connectTimeoutMS: timeoutMs });
		shared = { conn, users: 0 };
		connections.set(uri, shared);
		try {
			await conn.asPromise();
		} catch (err) {
			connections.delete(uri);
			await conn.close().catch(() => undefined);
			throw err;
		}
	}
	shared.users++;
	await shared.conn.asPromise();
	return shared.conn;
}

async function release(uri: string): Promise<void> {
	const shared = connections.get(uri);
	if (!shared) return;
	if (--shared.users <= 0) {
		connections.delete(uri);
		await shared.conn.close();
	}
}

function schemaType(f: FieldSpec) {
	switch (f.type) {
		case "string":
			return String;
		case "integer":
		case "number":
			return Number;
		case "boolean":
			return Boolean;
		case "json":
			return Schema.Types.Mixed;
	}
}

type Raw = Record<string, unknown> & { _id: string };

function toDoc<T extends Doc>(raw: Raw | null | undefined): T | null {
	if (!raw) return null;
	const { _id, ...rest } = raw;
	return { id: _id, ...rest } as T;
}

export class MongooseStore<T extends Doc = Doc> implements Store<T> {
	readonly kind = "mongoose" as const;
	readonly collection: string;
	private model!: Model<Raw>;
	private conn: Connection | null = null;
	/** Set on the view bound to a transaction (see transaction()). */
	private session: ClientSession | null = null;

	constructor(
		private readonly spec: CollectionSpec,
		private readonly uri: string,
		private readonly connectTimeoutMs: number
	) {
		this.collection = spec.name;
	}

	async connect(): Promise<void> {
		const definition: Record<string, unknown> = { _id: { type: String } };
		for (const [name, f] of Object.entries(this.spec.fields)) {
			definition[name] = { type: schemaType(f), index: f.index || undefined, default: f.default };
			// An optional unique field may be absent on many documents, as in NeDB and SQL (NULLs differ).
			if (f.unique) definition[name] = { ...(definition[name] as object), index: { unique: true, sparse: !f.required } };
		}
		// In production the indexes are the migrations' (lib/migrations); elsewhere Mongoose creates missing ones.
		const autoIndex = !schemaOwnedByMigrations(this.uri);
		const schema = new Schema(definition, {
			versionKey: false,
			strict: true,
			minimize: false,
			collection: this.spec.name,
			autoIndex,
			autoCreate: autoIndex
		});
		for (const idx of this.spec.indexes ?? []) {
			schema.index(Object.fromEntries(idx.fields.map(f => [f === "id" ? "_id" : f, 1])), { unique: !!idx.unique });
		}
		this.conn = await acquire(this.uri, this.connectTimeoutMs);
		this.model = this.conn.models[this.spec.name] ?? this.conn.model(this.spec.name, schema);
		if (autoIndex) await this.model.init().catch(() => undefined);
	}

	async disconnect(): Promise<void> {
		if (!this.conn) return;
		this.conn = null;
		await release(this.uri);
	}

	async ping(): Promise<void> {
		if (!this.conn || this.conn.readyState !== 1) throw new Error(`${this.collection} store is not connected`);
		await this.conn.db!.command({ ping: 1 });
	}

	async insert(doc: Omit<T, "id"> & { id?: string }): Promise<T> {
		const { id, ...rest } = doc as Record<string, unknown>;
		try {
			const [created] = await this.model.create([{ ...rest, _id: (id as string) ?? newId() }], { session: this.session });
			return toDoc<T>(created.toObject() as Raw)!;
		} catch (err) {
			throw this.mapError(err);
		}
	}

	async findById(id: string): Promise<T | null> {
		return toDoc<T>(await this.model.findOne({ _id: id }).session(this.session).lean<Raw>());
	}

	async findOne(where: Filter): Promise<T | null> {
		return toDoc<T>(await this.model.findOne(toMongoFilter(where)).session(this.session).lean<Raw>());
	}

	async find(options: FindOptions = {}): Promise<T[]> {
		let q = this.model.find(toMongoFilter(options.where)).session(this.session);
		if (options.sort?.length)
			q = q.sort(Object.fromEntries(options.sort.map(([f, d]) => [f === "id" ? "_id" : f, d === "asc" ? 1 : -1])));
		if (options.offset) q = q.skip(options.offset);
		if (options.limit) q = q.limit(options.limit);
		const rows = await q.lean<Raw[]>();
		return rows.map(r => toDoc<T>(r)!);
	}

	async count(where?: Filter): Promise<number> {
		return this.model.countDocuments(toMongoFilter(where)).session(this.session);
	}

	async findWithTotal(options: FindOptions): Promise<PageOfDocs<T>> {
		const [docs, total] = await Promise.all([this.find(options), this.count(options.where)]);
		return { docs, total };
	}

	async updateById(id: string, update: Update, where?: Filter): Promise<T | null> {
		try {
			const raw = await this.model
				.findOneAndUpdate({ ...toMongoFilter(where), _id: id }, toMongoUpdate(update), { new: true, session: this.session })
				.lean<Raw>();
			return toDoc<T>(raw);
		} catch (err) {
			throw this.mapError(err);
		}
	}

	async updateMany(where: Filter, update: Update): Promise<number> {
		try {
			const res = await this.model.updateMany(toMongoFilter(where), toMongoUpdate(update)).session(this.session);
			return res.modifiedCount;
		} catch (err) {
			throw this.mapError(err);
		}
	}

	async removeById(id: string): Promise<boolean> {
		return (await this.model.deleteOne({ _id: id }).session(this.session)).deletedCount > 0;
	}

	async removeMany(where: Filter): Promise<number> {
		return (await this.model.deleteMany(toMongoFilter(where)).session(this.session)).deletedCount;
	}

	/** A MongoDB transaction (needs a replica set or a sharded cluster, as MongoDB transactions do). */
	async transaction<R>(work: (tx: TransactionScope) => Promise<R>): Promise<R> {
		if (this.session) throw new Error("transactions do not nest");
		if (!this.conn) throw new Error(`${this.collection} store is not connected`);
		if (!(await this.runsTransactions(this.conn)))
			throw new TransactionsUnsupportedError(
				"MongoDB at this URI runs no transactions: they need a replica set or a sharded cluster"
			);
		const session = await this.conn.startSession();
		const scope: TransactionScope = {
			bind: <U extends Doc>(store: Store<U>): Store<U> => {
				if (!(store instanceof MongooseStore) || store.uri !== this.uri)
					throw new Error(`${store.collection} is not in the same database as ${this.collection}`);
				const view = Object.create(store) as MongooseStore<U>;
				view.session = session;
				return view;
			}
		};
		try {
			session.startTransaction();
			const result = await work(scope);
			await session.commitTransaction();
			return result;
		} catch (err) {
			if (session.inTransaction()) await session.abortTransaction().catch(() => undefined);
			throw err;
		} finally {
			await session.endSession();
		}
	}

	/** Whether the server is a replica set member or a mongos (standalone servers refuse transactions). */
	private async runsTransactions(conn: Connection): Promise<boolean> {
		const hello = (await conn.db!.admin().command({ hello: 1 })) as { setName?: string; msg?: string };
		return Boolean(hello.setName) || hello.msg === "isdbgrid";
	}

	private mapError(err: unknown): unknown {
		const e = err as { code?: number; keyPattern?: Record<string, unknown> };
		if (e?.code === 11000) return new DuplicateKeyError(this.collection, Object.keys(e.keyPattern ?? {}));
		return err;
	}
}
