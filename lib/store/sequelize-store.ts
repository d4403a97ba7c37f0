/**
 * SQL store (PostgreSQL in production) on moleculer-db-adapter-sequelize. One connection pool per
 * URI is shared by every collection of the process. Conditional updates are one
 * `UPDATE ... WHERE id = ? AND <condition> RETURNING *`, so the database decides under concurrency.
 */
import {
	DataTypes,
	Op,
	Sequelize,
	UniqueConstraintError,
	type ModelStatic,
	type Model,
	type Transaction,
	type WhereOptions
} from "sequelize";
import { connectModel } from "./sequelize-adapter-internals";
import { newId } from "../ids";
import { schemaOwnedByMigrations } from "../migrations/settings";
import {
	DuplicateKeyError,
	type CollectionSpec,
	type Comparison,
	type Condition,
	type Doc,
	type FieldSpec,
	type Filter,
	type FindOptions,
	type PageOfDocs,
	type Store,
	type TransactionScope,
	type Update
} from "./types";

interface Pool {
	sequelize: Sequelize;
	users: number;
}

const pools = new Map<string, Pool>();

/** How long a query waits for a free connection of a busy pool before it fails (503 at the gateway). */
const ACQUIRE_TIMEOUT_MS = 15_000;

function acquire(uri: string, connectTimeoutMs: number, poolMax: number): Sequelize {
	let pool = pools.get(uri);
	if (!pool) {
		const sequelize = new Sequelize(uri, {
			logging: false,
			// Transactions (the outbox's writes) hold a connection for several round trips: the pool must cover the node's concurrency.
			pool: { max: poolMax, min: 0, idle: 10_000, acquire: Math.max(connectTimeoutMs, ACQUIRE_TIMEOUT_MS) },
			dialectOptions: uri.startsWith("postgres") ? { connectionTimeoutMillis: connectTimeoutMs } : {}
		});
		pool = { sequelize, users: 0 };
		pools.set(uri, pool);
	}
	pool.users++;
	return pool.sequelize;
}

async function release(uri: string): Promise<void> {
	const pool = pools.get(uri);
	if (!pool) return;
	if (--pool.users <= 0) {
		pools.delete(uri);
		await pool.sequelize.close();
	}
}

/** Two nodes creating the same table at once: one wins, the loser's CREATE fails; its retry sees the table. */
function isCreateRace(err: unknown): boolean {
	const msg = String((err as Error)?.message ?? "");
	return /already exists|pg_type_typname_nsp_index|duplicate key value/.test(msg);
}

async function syncTable(model: ModelStatic<Model>): Promise<void> {
	try {
		await model.sync();
	} catch (err) {
		if (!isCreateRace(err)) throw err;
		await new Promise(r => setTimeout(r, 100 + Math.random() * 200));
		await model.sync();
	}
}

function columnType(f: FieldSpec, dialect: string) {
	switch (f.type) {
		case "string":
			return DataTypes.TEXT;
		case "integer":
			return DataTypes.BIGINT;
		case "number":
			return DataTypes.DOUBLE;
		case "boolean":
			return DataTypes.BOOLEAN;
		case "json":
			return dialect === "postgres" ? DataTypes.JSONB : DataTypes.JSON;
	}
}

function escapeLike(s: string): string {
	return s.replace(/[\\%_]/g, "\\$&");
}

export class SequelizeStore<T extends Doc = Doc> implements Store<T> {
	readonly kind = "sequelize" as const;
	readonly collection: string;
	private model!: ModelStatic<Model>;
	private sequelize: Sequelize | null = null;
	private integerFields: string[];
	/** Set on the view bound to a transaction (see transaction()). */
	private tx: Transaction | undefined;

	constructor(
		private readonly spec: CollectionSpec,
		private readonly uri: string,
		private readonly connectTimeoutMs: number,
		private readonly poolMax = 20
	) {
		this.collection = spec.name;
		this.integerFields = Object.entries(spec.fields)
			.filter(([, f]) => f.type === "integer")
			.map(([n]) => n);
	}

	async connect(): Promise<void> {
		const sequelize = acquire(this.uri, this.connectTimeoutMs, this.poolMax);
		this.sequelize = sequelize;
		const dialect = sequelize.getDialect();
		const define: Record<string, unknown> = { id: { type: DataTypes.STRING(64), primaryKey: true } };
		for (const [name, f] of Object.entries(this.spec.fields)) {
			define[name] = { type: columnType(f, dialect), allowNull: !f.required, unique: f.unique || undefined, defaultValue: f.default };
		}
		const indexes = [
			...Object.entries(this.spec.fields)
				.filter(([, f]) => f.index && !f.unique)
				.map(([name]) => ({ fields: [name] })),
			...(this.spec.indexes ?? []).map(i => ({ fields: i.fields, unique: !!i.unique }))
		];
		const definition = { name: this.spec.name, define, options: { tableName: this.spec.name, timestamps: false, indexes } };
		let model: ModelStatic<Model>;
		try {
			model = await connectModel(sequelize, definition);
			// In production the tables are the migrations' (lib/migrations); elsewhere missing ones are created here.
			if (!schemaOwnedByMigrations(this.uri)) await syncTable(model);
		} catch (err) {
			this.sequelize = null;
			await release(this.uri);
			throw err;
		}
		this.model = model;
	}

	async disconnect(): Promise<void> {
		if (!this.sequelize) return;
		this.sequelize = null;
		await release(this.uri);
	}

	async ping(): Promise<void> {
		if (!this.sequelize) throw new Error(`${this.collection} store is not connected`);
		await this.sequelize.query("SELECT 1");
	}

	async insert(doc: Omit<T, "id"> & { id?: string }): Promise<T> {
		try {
			const row = await this.model.create({ ...doc, id: doc.id ?? newId() }, { transaction: this.tx });
			return this.toDoc(row)!;
		} catch (err) {
			throw this.mapError(err);
		}
	}

	async findById(id: string): Promise<T | null> {
		return this.toDoc(await this.model.findByPk(id, { transaction: this.tx }));
	}

	async findOne(where: Filter): Promise<T | null> {
		return this.toDoc(await this.model.findOne({ where: this.where(where), transaction: this.tx }));
	}

	async find(options: FindOptions = {}): Promise<T[]> {
		const rows = await this.model.findAll({
			where: this.where(options.where),
			order: options.sort?.map(([f, d]) => [f, d.toUpperCase()]),
			limit: options.limit,
			offset: options.offset,
			transaction: this.tx
		});
		return rows.map(r => this.toDoc(r)!);
	}

	async count(where?: Filter): Promise<number> {
		return this.model.count({ where: this.where(where), transaction: this.tx });
	}

	async findWithTotal(options: FindOptions): Promise<PageOfDocs<T>> {
		const [docs, total] = await Promise.all([this.find(options), this.count(options.where)]);
		return { docs, total };
	}

	async updateById(id: string, update: Update, where?: Filter): Promise<T | null> {
		const values = this.values(update);
		const cond = this.where({ ...where, id });
		try {
			if (this.sequelize!.getDialect() === "postgres") {
				const [, rows] = await this.model.update(values, { where: cond, returning: true, transaction: this.tx });
				return rows.length ? this.toDoc(rows[0]) : null;
			}
			const [affected] = await this.model.update(values, { where: cond, transaction: this.tx });
			return affected ? this.findById(id) : null;
		} catch (err) {
			throw this.mapError(err);
		}
	}

	async updateMany(where: Filter, update: Update): Promise<number> {
		try {
			const [affected] = await this.model.update(this.values(update), { where: this.where(where), transaction: this.tx });
			return affected;
		} catch (err) {
			throw this.mapError(err);
		}
	}

	async removeById(id: string): Promise<boolean> {
		return (await this.model.destroy({ where: { id }, transaction: this.tx })) > 0;
	}

	async removeMany(where: Filter): Promise<number> {
		return this.model.destroy({ where: this.where(where), transaction: this.tx });
	}

	async transaction<R>(work: (tx: TransactionScope) => Promise<R>): Promise<R> {
		if (this.tx) throw new Error("transactions do not nest");
		if (!this.sequelize) throw new Error(`${this.collection} store is not connected`);
		return this.sequelize.transaction(async transaction => {
			const scope: TransactionScope = {
				bind: <U extends Doc>(store: Store<U>): Store<U> => {
					if (!(store instanceof SequelizeStore) || store.uri !== this.uri)
						throw new Error(`${store.collection} is not in the same database as ${this.collection}`);
					const view = Object.create(store) as SequelizeStore<U>;
					view.tx = transaction;
					return view;
				}
			};
			return work(scope);
		});
	}

	private values(update: Update): Record<string, unknown> {
		const values: Record<string, unknown> = { ...update.set };
		for (const [field, by] of Object.entries(update.inc ?? {})) {
			if (!(field in this.spec.fields) || !Number.isFinite(by)) throw new Error(`Cannot increment ${this.collection}.${field}`);
			values[field] = Sequelize.literal(`"${field}" + ${Number(by)}`);
		}
		return values;
	}

	private condition(c: Condition): unknown {
		if (c === null || typeof c !== "object") return c;
		const cmp = c as Comparison;
		const out: Record<symbol, unknown> = {};
		if ("eq" in cmp) out[Op.eq] = cmp.eq;
		if ("ne" in cmp) out[Op.ne] = cmp.ne;
		if (cmp.gt !== undefined) out[Op.gt] = cmp.gt;
		if (cmp.gte !== undefined) out[Op.gte] = cmp.gte;
		if (cmp.lt !== undefined) out[Op.lt] = cmp.lt;
		if (cmp.lte !== undefined) out[Op.lte] = cmp.lte;
		if (cmp.in !== undefined) out[Op.in] = cmp.in;
		if (cmp.contains !== undefined) {
			const like = this.sequelize!.getDialect() === "postgres" ? Op.iLike : Op.like;
			out[like] = `%${escapeLike(cmp.contains)}%`;
		}
		return out;
	}

	private where(where: Filter | undefined): WhereOptions {
		const out: Record<string | symbol, unknown> = {};
		if (!where) return out;
		for (const [field, value] of Object.entries(where)) {
			if (value === undefined) continue;
			if (field === "$or") out[Op.or] = (value as Filter[]).map(f => this.where(f));
			else out[field] = this.condition(value as Condition);
		}
		return out as WhereOptions;
	}

	/** BIGINT comes back from pg as a string; the API wants numbers. */
	private toDoc(row: Model | null): T | null {
		if (!row) return null;
		const doc = row.get({ plain: true }) as Record<string, unknown>;
		for (const f of this.integerFields) if (typeof doc[f] === "string") doc[f] = Number(doc[f]);
		for (const [k, v] of Object.entries(doc)) if (v === null) delete doc[k];
		return doc as T;
	}

	private mapError(err: unknown): unknown {
		if (err instanceof UniqueConstraintError) {
			return new DuplicateKeyError(this.collection, err.errors.map(e => e.path ?? "").filter(Boolean));
		}
		return err;
	}
}
