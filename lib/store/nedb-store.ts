/**
 * Embedded store: moleculer-db's MemoryAdapter (NeDB) persisted to DATA_DIR/<collection>.db,
 * or memory only when no directory is given. NeDB runs every operation through one queue,
 * so a conditional update is atomic.
 */
import fs from "node:fs";
import path from "node:path";
import Datastore from "@seald-io/nedb";
import { MemoryAdapter } from "moleculer-db";
import { newId } from "../ids";
import { toMongoFilter, toMongoUpdate } from "./mongo-filter";
import { swapUnchangedKeysInPlace, type NedbIndex } from "./nedb-index-swap";
import { useKeyMap } from "./nedb-key-map";
import { DuplicateKeyError, type CollectionSpec, type Doc, type Filter, type FindOptions, type Store, type Update } from "./types";

type Raw = Record<string, unknown> & { _id: string };

interface NedbPersistence {
	persistNewStateAsync(newDocs: Raw[]): Promise<void>;
	afterSerialization(line: string): string;
	modes: { fileMode: number };
}

// NeDB's own line format, so the file stays exactly what NeDB reads back.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const nedbModel = require("@seald-io/nedb/lib/model.js") as { serialize(doc: unknown): string };

/**
 * Writes used to end on an I/O callback. Without one, a stream of queued operations (on every
 * store of the process) runs as one chain of microtasks and keeps the event loop from reading
 * sockets; yielding after every write instead limited each datastore's queue to one write per
 * loop turn, which made the orders store the bottleneck of the whole checkout. So the chain yields
 * once it has run for CHAIN_MS, shared by all stores of the process.
 */
const CHAIN_MS = 2;
let chainStartedAt = 0;

async function yieldIfChainIsLong(): Promise<void> {
	if (performance.now() - chainStartedAt < CHAIN_MS) return;
	await new Promise<void>(resolve => setImmediate(resolve));
	chainStartedAt = performance.now();
}

/** Whether a value holds a Date anywhere: the only value NeDB's serializer writes differently from JSON. */
function holdsDate(value: unknown): boolean {
	if (typeof value !== "object" || value === null) return false;
	if (typeof (value as { getTime?: unknown }).getTime === "function") return true;
	for (const key in value) if (holdsDate((value as Record<string, unknown>)[key])) return true;
	return false;
}

/**
 * NeDB's line for a document. Its serializer runs a replacer function on every key (checking the
 * key, which NeDB already did when the document was inserted or modified, and writing Dates as
 * { $$date }); without Dates the line is the same as plain JSON.stringify, V8's fast path.
 */
function serializeLine(doc: Raw): string {
	return holdsDate(doc) ? nedbModel.serialize(doc) : JSON.stringify(doc);
}

/**
 * NeDB reads its file back with a line splitter that also breaks on U+0085, U+2028 and U+2029,
 * which JSON.stringify leaves unescaped: a product name holding one would make its line (and so
 * the document) unreadable after a restart. Escaped, the line is the same JSON.
 */
function escapeLineBreaks(line: string): string {
	return line.replace(/[\u0085\u2028\u2029]/g, c => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

function toDoc<T extends Doc>(raw: Raw | null | undefined): T | null {
	if (!raw) return null;
	const { _id, ...rest } = raw;
	return { id: _id, ...rest } as T;
}

export class NedbStore<T extends Doc = Doc> implements Store<T> {
	readonly kind = "nedb" as const;
	readonly collection: string;
	private db!: Datastore<Raw>;
	private adapter: { connect(): Promise<unknown>; disconnect(): Promise<unknown> } | null = null;
	private appendFd: number | null = null;

	constructor(
		private readonly spec: CollectionSpec,
		private readonly dataDir: string | null
	) {
		this.collection = spec.name;
	}

	async connect(): Promise<void> {
		let filename: string | undefined;
		if (this.dataDir) {
			fs.mkdirSync(this.dataDir, { recursive: true });
			filename = path.join(this.dataDir, `${this.spec.name}.db`);
		}
		this.db = new Datastore<Raw>(
			filename ? { filename, afterSerialization: escapeLineBreaks, beforeDeserialization: line => line } : { inMemoryOnly: true }
		);
		// eslint-disable-next-line @typescript-eslint/no-explicit-any
		const adapter = new (MemoryAdapter as any)(this.db);
		adapter.init(null, null);
		await adapter.connect();
		this.adapter = adapter;
		const wanted = new Set(["_id"]);
		for (const [field, f] of Object.entries(this.spec.fields)) {
			if (!f.unique && !(f.index && !f.lowCardinality && !f.sortOnly)) continue;
			await this.db.ensureIndexAsync({ fieldName: field, unique: !!f.unique, sparse: !f.required });
			wanted.add(field);
		}
		// NeDB recreates every index its file records; one the spec no longer asks for would still be
		// kept up to date on every write.
		for (const field of Object.keys((this.db as unknown as { indexes: object }).indexes))
			if (!wanted.has(field)) await this.db.removeIndexAsync(field);
		// NeDB 3 indexes single fields only (an array would be read as a dotted path).
		if (this.spec.indexes?.some(idx => idx.unique))
			throw new Error(`${this.spec.name}: the embedded store cannot enforce a compound unique index`);
		const indexes = (this.db as unknown as { indexes: Record<string, NedbIndex & Parameters<typeof useKeyMap>[0]> }).indexes;
		const docs = this.db.getAllData();
		for (const [field, index] of Object.entries(indexes)) {
			if (!this.spec.fields[field]?.rangeFiltered) useKeyMap(index, docs);
			swapUnchangedKeysInPlace(index);
		}
		// Keep the append-only file small during long runs.
		if (filename) {
			this.appendThroughOpenFile(filename);
			this.db.setAutocompactionInterval(10 * 60_000);
		}
	}

	/**
	 * NeDB appends each write's new state with fs.appendFile: open, write and close the data file,
	 * three trips through libuv's thread pool, inside the datastore's one queue (reads wait behind
	 * them). This appends the same lines through one descriptor kept open in append mode, with a
	 * synchronous write(2): a few microseconds for a line into the page cache, where the hand-off to
	 * the thread pool costs tens (measured: 3 us against 85 us of CPU per append). The guarantee is
	 * unchanged (the line is in the OS's hands before the operation resolves; neither fsyncs). A
	 * compaction replaces the file, so the descriptor is reopened after one.
	 */
	private appendThroughOpenFile(filename: string): void {
		const persistence = (this.db as unknown as { persistence: NedbPersistence }).persistence;
		persistence.persistNewStateAsync = async (newDocs: Raw[]) => {
			let lines = "";
			for (const doc of newDocs) lines += persistence.afterSerialization(serializeLine(doc)) + "\n";
			if (!lines) return;
			this.appendFd ??= fs.openSync(filename, "a", persistence.modes.fileMode);
			const buf = Buffer.from(lines);
			for (let off = 0; off < buf.length;) off += fs.writeSync(this.appendFd, buf, off);
			await yieldIfChainIsLong();
		};
		this.db.on("compaction.done", () => this.closeAppendFile());
	}

	private closeAppendFile(): void {
		const fd = this.appendFd;
		this.appendFd = null;
		if (fd !== null) fs.closeSync(fd);
	}

	async disconnect(): Promise<void> {
		if (!this.adapter) return;
		this.db.stopAutocompaction();
		await this.db.compactDatafileAsync().catch(() => undefined);
		this.closeAppendFile();
		await this.adapter.disconnect();
		this.adapter = null;
	}

	async ping(): Promise<void> {
		if (!this.adapter) throw new Error(`${this.collection} store is not connected`);
	}

	async insert(doc: Omit<T, "id"> & { id?: string }): Promise<T> {
		const { id, ...rest } = doc as Record<string, unknown>;
		try {
			const raw = await this.db.insertAsync({ ...rest, _id: (id as string) ?? newId() } as Raw);
			return toDoc<T>(raw)!;
		} catch (err) {
			throw this.mapError(err);
		}
	}

	async findById(id: string): Promise<T | null> {
		return toDoc<T>(await this.db.findOneAsync({ _id: id }));
	}

	async findOne(where: Filter): Promise<T | null> {
		return toDoc<T>(await this.db.findOneAsync(toMongoFilter(where)));
	}

	async find(options: FindOptions = {}): Promise<T[]> {
		let cursor = this.db.findAsync(toMongoFilter(options.where));
		if (options.sort?.length) {
			cursor = cursor.sort(Object.fromEntries(options.sort.map(([f, d]) => [f === "id" ? "_id" : f, d === "asc" ? 1 : -1])));
		}
		if (options.offset) cursor = cursor.skip(options.offset);
		if (options.limit) cursor = cursor.limit(options.limit);
		const rows = await cursor;
		return rows.map(r => toDoc<T>(r)!);
	}

	async count(where?: Filter): Promise<number> {
		return this.db.countAsync(toMongoFilter(where));
	}

	async updateById(id: string, update: Update, where?: Filter): Promise<T | null> {
		const query = { ...toMongoFilter(where), _id: id };
		try {
			const res = (await this.db.updateAsync(query, toMongoUpdate(update), { multi: false, returnUpdatedDocs: true })) as unknown as {
				numAffected: number;
				affectedDocuments: Raw | null;
			};
			return res.numAffected ? toDoc<T>(res.affectedDocuments) : null;
		} catch (err) {
			throw this.mapError(err);
		}
	}

	async updateMany(where: Filter, update: Update): Promise<number> {
		try {
			const res = (await this.db.updateAsync(toMongoFilter(where), toMongoUpdate(update), { multi: true })) as unknown as {
				numAffected: number;
			};
			return res.numAffected;
		} catch (err) {
			throw this.mapError(err);
		}
	}

	async removeById(id: string): Promise<boolean> {
		return (await this.db.removeAsync({ _id: id }, { multi: false })) > 0;
	}

	async removeMany(where: Filter): Promise<number> {
		return this.db.removeAsync(toMongoFilter(where), { multi: true });
	}

	private mapError(err: unknown): unknown {
		const e = err as { errorType?: string; key?: unknown };
		if (e?.errorType === "uniqueViolated") {
			const fields = Object.entries(this.spec.fields)
				.filter(([, f]) => f.unique)
				.map(([name]) => name);
			return new DuplicateKeyError(this.collection, fields);
		}
		return err;
	}
}
