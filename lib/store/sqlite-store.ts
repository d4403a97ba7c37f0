/**
 * Embedded store: a table per collection in the service's SQLite database (lib/store/sqlite-database.ts).
 * Memory stays bounded whatever the data size (SQLite pages through its file with a fixed cache), a
 * conditional update is one `UPDATE ... WHERE id = ? AND <condition> RETURNING <columns>`, and the stores of
 * one database can write in one transaction.
 *
 * Columns follow the CollectionSpec (as on PostgreSQL): fields the spec does not name are not kept.
 * Booleans are stored as 0/1, json fields as JSON text. A column the spec gained since the table was
 * made is added at connect; an index the spec no longer asks for is dropped.
 */
import { newId } from "../ids";
import type { SqliteDatabase } from "./sqlite-database";
import { quote, SqlBuilder, toSql, type SqlValue } from "./sqlite-sql";
import {
	DuplicateKeyError,
	type CollectionSpec,
	type Doc,
	type FieldSpec,
	type Filter,
	type FindOptions,
	type PageOfDocs,
	type ReadOptions,
	type Store,
	type TransactionScope,
	type Update,
	type WriteOptions
} from "./types";

/** A row as selected by `this.columns`: the id, then the spec's fields in their order. */
type Row = SqlValue[];

/** Index names made by this store start with the table's name and this marker, so stale ones can be found. */
const INDEX_MARK = "__ix_";

function columnType(f: FieldSpec): string {
	switch (f.type) {
		case "integer":
		case "boolean":
			return "INTEGER";
		case "number":
			return "REAL";
		default:
			return "TEXT";
	}
}

export class SqliteStore<T extends Doc = Doc> implements Store<T> {
	readonly kind = "sqlite" as const;
	readonly collection: string;
	private readonly table: string;
	private readonly sql: SqlBuilder;
	private readonly fieldList: Array<[string, FieldSpec]>;
	private readonly uniqueFields: string[];
	/** The columns every read selects, in the order toDoc reads them. */
	private readonly columns: string;
	private connected = false;
	private txView: SqliteStore<T> | null = null;
	/**
	 * The texts of the commonest statements, made once: the prepared-statement cache is keyed by
	 * text, and a text built afresh on every call is hashed afresh (a measurable share of an order).
	 */
	private readonly texts: { insert: string; byId: string; removeById: string };

	constructor(
		private readonly spec: CollectionSpec,
		readonly database: SqliteDatabase,
		/** Set on the view of a store bound to an open transaction: its statements do not wait for it. */
		private readonly inTransaction = false
	) {
		this.collection = spec.name;
		this.table = quote(spec.name);
		this.sql = new SqlBuilder(spec.fields);
		this.fieldList = Object.entries(spec.fields);
		this.uniqueFields = this.fieldList.filter(([, f]) => f.unique).map(([n]) => n);
		const columns = ['"id"', ...this.fieldList.map(([name]) => quote(name))];
		// Rows are read as arrays in this order (SqliteDatabase.rowStatement), never by `*`, whose order
		// would follow the table's columns (a column added later comes last).
		this.columns = columns.join(", ");
		this.texts = {
			// Every column, absent ones bound to NULL (what leaving them out stores too): one text per table.
			insert: `INSERT INTO ${this.table} (${columns.join(", ")}) VALUES (${columns.map(() => "?").join(", ")})`,
			byId: `SELECT ${this.columns} FROM ${this.table} WHERE "id" = ?`,
			removeById: `DELETE FROM ${this.table} WHERE "id" = ?`
		};
	}

	async connect(): Promise<void> {
		if (this.connected) return;
		this.database.open();
		try {
			this.createTable();
		} catch (err) {
			this.database.close();
			throw err;
		}
		this.connected = true;
	}

	async disconnect(): Promise<void> {
		if (!this.connected) return;
		this.connected = false;
		for (let open = this.database.idle(); open; open = this.database.idle()) await open;
		this.database.close();
	}

	async ping(): Promise<void> {
		if (!this.connected) throw new Error(`${this.collection} store is not connected`);
		this.database.statement("SELECT 1").get();
	}

	async insert(doc: Omit<T, "id"> & { id?: string }, opts?: WriteOptions): Promise<T> {
		for (let open = this.ready(); open; open = this.ready()) await open;
		const out: Record<string, unknown> = { id: (doc as { id?: string }).id ?? newId() };
		const params: SqlValue[] = [out.id as string];
		for (const [name, f] of this.fieldList) {
			let value = (doc as Record<string, unknown>)[name];
			if (value === undefined) value = f.default;
			if (value === undefined || value === null) {
				params.push(null);
				continue;
			}
			params.push(toSql(value, f));
			out[name] = value;
		}
		await this.write(() => this.database.statement(this.texts.insert).run(...params), opts?.deferrable);
		return out as T;
	}

	async findById(id: string): Promise<T | null> {
		for (let open = this.readable(); open; open = this.readable()) await open;
		return this.toDoc(this.database.rowStatement(this.texts.byId).get(id) as Row | undefined);
	}

	async findOne(where: Filter): Promise<T | null> {
		for (let open = this.readable(); open; open = this.readable()) await open;
		const params: SqlValue[] = [];
		const text = `SELECT ${this.columns} FROM ${this.table} WHERE ${this.sql.where(where, params)} LIMIT 1`;
		return this.toDoc(this.database.rowStatement(text).get(...params) as Row | undefined);
	}

	async find(options: FindOptions = {}): Promise<T[]> {
		for (let open = this.readable(); open; open = this.readable()) await open;
		const { sql, params } = this.findText(options);
		const rows = this.database.rowStatement(sql).all(...params) as Row[];
		return rows.map(r => this.toDoc(r)!);
	}

	async count(where?: Filter, opts?: ReadOptions): Promise<number> {
		const counting = this.countText(where);
		if (opts?.background && !this.inTransaction) {
			// A worker that failed it (a function only this connection has, say) leaves it to this one.
			const results = await this.database.readInBackground([counting])?.catch(() => null);
			if (results) return Number((results[0] as { n: number }).n);
		}
		for (let open = this.readable(); open; open = this.readable()) await open;
		return Number((this.database.statement(counting.sql).get(...counting.params) as { n: number }).n);
	}

	async findWithTotal(options: FindOptions, opts?: ReadOptions): Promise<PageOfDocs<T>> {
		if (opts?.background && !this.inTransaction) {
			const page = { ...this.findText(options), rows: true };
			const results = await this.database.readInBackground([page, this.countText(options.where)])?.catch(() => null);
			if (results) return { docs: (results[0] as Row[]).map(r => this.toDoc(r)!), total: Number((results[1] as { n: number }).n) };
		}
		// Without awaiting in between, both read the same state of this connection.
		const [docs, total] = await Promise.all([this.find(options), this.count(options.where)]);
		return { docs, total };
	}

	private findText(options: FindOptions): { sql: string; params: SqlValue[] } {
		const params: SqlValue[] = [];
		let sql = `SELECT ${this.columns} FROM ${this.table} WHERE ${this.sql.where(options.where, params)}${this.sql.orderBy(options.sort)}`;
		if (options.limit || options.offset) {
			sql += " LIMIT ? OFFSET ?";
			params.push(options.limit || -1, options.offset ?? 0);
		}
		return { sql, params };
	}

	private countText(where: Filter | undefined): { sql: string; params: SqlValue[] } {
		const params: SqlValue[] = [];
		return { sql: `SELECT COUNT(*) AS n FROM ${this.table} WHERE ${this.sql.where(where, params)}`, params };
	}

	async updateById(id: string, update: Update, where?: Filter): Promise<T | null> {
		for (let open = this.ready(); open; open = this.ready()) await open;
		const params: SqlValue[] = [];
		const set = this.sql.set(update, params);
		if (!set) return this.findOne({ ...where, id });
		const text = `UPDATE ${this.table} SET ${set} WHERE ${this.sql.where({ ...where, id }, params)} RETURNING ${this.columns}`;
		const row = (await this.write(() => this.database.rowStatement(text).get(...params))) as Row | undefined;
		return this.toDoc(row);
	}

	async updateMany(where: Filter, update: Update): Promise<number> {
		for (let open = this.ready(); open; open = this.ready()) await open;
		const params: SqlValue[] = [];
		const set = this.sql.set(update, params);
		if (!set) return this.count(where);
		const text = `UPDATE ${this.table} SET ${set} WHERE ${this.sql.where(where, params)}`;
		const { changes } = await this.write(() => this.database.statement(text).run(...params));
		return Number(changes);
	}

	async removeById(id: string): Promise<boolean> {
		for (let open = this.ready(); open; open = this.ready()) await open;
		const { changes } = await this.write(() => this.database.statement(this.texts.removeById).run(id));
		return Number(changes) > 0;
	}

	async removeMany(where: Filter, opts?: WriteOptions): Promise<number> {
		for (let open = this.ready(); open; open = this.ready()) await open;
		const params: SqlValue[] = [];
		const text = `DELETE FROM ${this.table} WHERE ${this.sql.where(where, params)}`;
		const { changes } = await this.write(() => this.database.statement(text).run(...params), opts?.deferrable);
		return Number(changes);
	}

	async transaction<R>(work: (tx: TransactionScope) => Promise<R>): Promise<R> {
		if (this.inTransaction) throw new Error("transactions do not nest");
		const scope: TransactionScope = {
			bind: <U extends Doc>(store: Store<U>): Store<U> => {
				if (!(store instanceof SqliteStore) || store.database !== this.database)
					throw new Error(`${store.collection} is not in the same database as ${this.collection}`);
				return store.transactionView();
			}
		};
		if (!this.connected) throw new Error(`${this.collection} store is not connected`);
		return this.database.transaction(() => work(scope));
	}

	/**
	 * The view whose statements run inside the open transaction. One per store, made once: a
	 * database runs one transaction at a time, and the view holds no state of its own.
	 */
	private transactionView(): SqliteStore<T> {
		if (!this.txView) {
			this.txView = new SqliteStore<T>(this.spec, this.database, true);
			this.txView.connected = true;
		}
		return this.txView;
	}

	/**
	 * While another caller's transaction is open, the promise of its end (statements of that
	 * transaction pass); null when the caller may run its statement now. Callers loop until null and
	 * then run their statement without awaiting anything in between: a transaction that began meanwhile
	 * would otherwise take the statement in (and undo it with its own rollback).
	 */
	private ready(): Promise<void> | null {
		if (!this.connected) throw new Error(`${this.collection} store is not connected`);
		return this.inTransaction ? null : this.database.idle();
	}

	/** As `ready`, for a read: it goes on while the checkpointer holds the database's writes. */
	private readable(): Promise<void> | null {
		if (!this.connected) throw new Error(`${this.collection} store is not connected`);
		return this.inTransaction ? null : this.database.idle(true);
	}

	/**
	 * A write: group-committed on its own (a deferrable one without waiting for a commit), run
	 * directly inside this view's transaction (whose commit waits for the transaction's end). Unique
	 * clashes become DuplicateKeyError.
	 */
	private async write<R>(statement: () => R, deferrable = false): Promise<R> {
		const checked = () => this.mapped(statement);
		if (this.inTransaction) return checked();
		return deferrable ? this.database.writeDeferred(checked) : this.database.write(checked);
	}

	private mapped<R>(statement: () => R): R {
		try {
			return statement();
		} catch (err) {
			const e = err as { code?: string; errcode?: number; message?: string };
			// SQLITE_CONSTRAINT_UNIQUE (2067) and SQLITE_CONSTRAINT_PRIMARYKEY (1555).
			if (e?.errcode === 2067 || e?.errcode === 1555) {
				const named = /UNIQUE constraint failed: (.*)$/.exec(e.message ?? "")?.[1];
				const fields = named ? named.split(", ").map(c => c.split(".").pop()!) : this.uniqueFields;
				throw new DuplicateKeyError(this.collection, fields);
			}
			throw err;
		}
	}

	private toDoc(row: Row | undefined | null): T | null {
		if (!row) return null;
		const doc: Record<string, unknown> = { id: row[0] };
		const fields = this.fieldList;
		for (let i = 0; i < fields.length; i++) {
			const [name, f] = fields[i];
			const value = row[i + 1];
			if (value === null || value === undefined) continue;
			if (f.type === "json") doc[name] = JSON.parse(value as string);
			else if (f.type === "boolean") doc[name] = value === 1;
			else doc[name] = value;
		}
		return doc as T;
	}

	private createTable(): void {
		const db = this.database;
		const columns = this.fieldList.map(([name, f]) => `${quote(name)} ${columnType(f)}${f.required ? " NOT NULL" : ""}`);
		const layout = this.spec.keyedById ? " WITHOUT ROWID" : "";
		const create = (table: string) =>
			`CREATE TABLE IF NOT EXISTS ${table} ("id" TEXT PRIMARY KEY NOT NULL, ${columns.join(", ")})${layout}`;
		if (this.spec.keyedById) this.keyById(create);
		db.exec(create(this.table));
		const existing = new Set((db.statement(`PRAGMA table_info(${this.table})`).all() as Array<{ name: string }>).map(c => c.name));
		for (const [name, f] of this.fieldList) {
			if (!existing.has(name)) db.exec(`ALTER TABLE ${this.table} ADD COLUMN ${quote(name)} ${columnType(f)}`);
		}
		const wanted = new Map<string, string>();
		const add = (fields: string[], unique: boolean) => {
			const name = `${this.spec.name}${INDEX_MARK}${unique ? "u_" : ""}${fields.join("_")}`;
			wanted.set(
				name,
				`CREATE ${unique ? "UNIQUE " : ""}INDEX IF NOT EXISTS ${quote(name)} ON ${this.table} (${fields.map(quote).join(", ")})`
			);
		};
		for (const [name, f] of this.fieldList) if (f.unique || f.index) add([name], !!f.unique);
		for (const idx of this.spec.indexes ?? []) add(idx.fields, !!idx.unique);
		const indexes = db.statement(`PRAGMA index_list(${this.table})`).all() as Array<{ name: string }>;
		for (const { name } of indexes) {
			if (name.startsWith(`${this.spec.name}${INDEX_MARK}`) && !wanted.has(name)) db.exec(`DROP INDEX ${quote(name)}`);
		}
		for (const create of wanted.values()) db.exec(create);
	}

	/**
	 * A table made with rowids before its spec asked for `keyedById` (the outbox and inbox tables of
	 * an older data directory) is rebuilt without them once, at connect, rows and all; its indexes
	 * are made again after. Where its rows do not fit the spec's table (a required column it never
	 * had), it keeps its layout: the layout saves writes, it changes no answer.
	 */
	private keyById(create: (table: string) => string): void {
		const db = this.database;
		const listed = db.statement("SELECT wr FROM pragma_table_list WHERE schema = 'main' AND name = ?").get(this.spec.name) as
			{ wr: number } | undefined;
		if (!listed || listed.wr) return;
		const had = new Set((db.statement(`PRAGMA table_info(${this.table})`).all() as Array<{ name: string }>).map(c => c.name));
		const kept = ["id", ...this.fieldList.map(([name]) => name).filter(name => had.has(name))].map(quote).join(", ");
		const rebuilt = quote(`${this.spec.name}__keyed`);
		db.exec("SAVEPOINT keyed");
		try {
			db.exec(`DROP TABLE IF EXISTS ${rebuilt}`);
			db.exec(create(rebuilt));
			db.exec(`INSERT INTO ${rebuilt} (${kept}) SELECT ${kept} FROM ${this.table}`);
			db.exec(`DROP TABLE ${this.table}`);
			db.exec(`ALTER TABLE ${rebuilt} RENAME TO ${this.table}`);
			db.exec("RELEASE keyed");
		} catch {
			db.exec("ROLLBACK TO keyed");
			db.exec("RELEASE keyed");
		}
	}
}
