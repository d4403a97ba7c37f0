/**
 * One embedded SQLite database (Node's built-in node:sqlite): a file per service under DATA_DIR, or
 * memory only. The collections of a service share it, so one transaction can span them.
 *
 * node:sqlite is synchronous: a statement runs on the event loop and is done when it returns, which
 * for a database in the OS page cache costs microseconds, less than a hand-off to a thread pool. Two
 * consequences shape this file:
 * - A transaction whose work awaits (the contract is async for every adapter) could interleave with
 *   other callers' statements on the same connection; so while one is open, every other operation
 *   on this database waits for it (`whenIdle`), and statements of the transaction itself pass.
 * - A long chain of operations that resolve at once would never let the event loop read sockets;
 *   operations yield once the chain has run for CHAIN_MS (shared by all databases of the process).
 *
 * Durability: WAL with synchronous=NORMAL. A commit is in the OS's hands when it returns, so a killed
 * process loses nothing; a power cut can lose the last commits (not consistency).
 */
import fs from "node:fs";
import path from "node:path";
import { DatabaseSync, type StatementSync } from "node:sqlite";

const CHAIN_MS = 2;
let chainStartedAt = 0;

/** Lets the event loop run I/O when the current chain of microtasks has run for CHAIN_MS. */
export async function yieldIfChainIsLong(): Promise<void> {
	if (performance.now() - chainStartedAt < CHAIN_MS) return;
	await new Promise<void>(resolve => setImmediate(resolve));
	chainStartedAt = performance.now();
}

/** Prepared statements kept per SQL text; lists of `in` values make a few texts more, so it is capped. */
const STATEMENT_CACHE_MAX = 500;

/** Page cache per database: ten services in one process hold at most this each, whatever the data size. */
const CACHE_KIB = 8 * 1024;

export interface SqliteDatabaseOptions {
	/** The database file, or null for memory only. */
	file: string | null;
}

export class SqliteDatabase {
	readonly file: string | null;
	private db: DatabaseSync | null = null;
	private users = 0;
	private statements = new Map<string, StatementSync>();
	/** The open transaction's end, while one is open. */
	private busy: Promise<void> | null = null;

	constructor(opts: SqliteDatabaseOptions) {
		this.file = opts.file;
	}

	get isOpen(): boolean {
		return this.db !== null;
	}

	/** Opens on the first user; each store of the service is one user. */
	open(): void {
		this.users++;
		if (this.db) return;
		if (this.file) fs.mkdirSync(path.dirname(this.file), { recursive: true });
		const db = new DatabaseSync(this.file ?? ":memory:", { timeout: 1000 });
		db.exec(
			[
				"PRAGMA journal_mode = WAL",
				"PRAGMA synchronous = NORMAL",
				`PRAGMA cache_size = -${CACHE_KIB}`,
				"PRAGMA temp_store = MEMORY",
				// The WAL file is truncated back to this size after a checkpoint instead of keeping its peak.
				"PRAGMA journal_size_limit = 67108864",
				"PRAGMA foreign_keys = OFF"
			].join(";")
		);
		// Case-insensitive substring match for every script (LIKE and lower() fold ASCII only).
		db.function("shop_contains", { deterministic: true }, (haystack, needle) =>
			typeof haystack === "string" && typeof needle === "string" ? Number(haystack.toLowerCase().includes(needle.toLowerCase())) : 0
		);
		this.db = db;
	}

	/** Closes when the last user leaves; a checkpoint folds the WAL into the database file first. */
	close(): void {
		if (--this.users > 0 || !this.db) return;
		const db = this.db;
		this.db = null;
		this.statements.clear();
		try {
			if (this.file) db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
		} finally {
			db.close();
		}
	}

	exec(sql: string): void {
		this.connection().exec(sql);
	}

	statement(sql: string): StatementSync {
		let stmt = this.statements.get(sql);
		if (!stmt) {
			if (this.statements.size >= STATEMENT_CACHE_MAX) this.statements.clear();
			stmt = this.connection().prepare(sql);
			this.statements.set(sql, stmt);
		}
		return stmt;
	}

	/** Resolves when no transaction is open; operations outside a transaction wait here first. */
	async whenIdle(): Promise<void> {
		while (this.busy) await this.busy;
	}

	/**
	 * Runs `work` in one transaction: all its statements commit together, or none when it throws.
	 * Other operations on this database wait until it ends.
	 */
	async transaction<R>(work: () => Promise<R>): Promise<R> {
		await this.whenIdle();
		let end!: () => void;
		this.busy = new Promise<void>(resolve => (end = resolve));
		const db = this.connection();
		try {
			db.exec("BEGIN IMMEDIATE");
			try {
				const result = await work();
				db.exec("COMMIT");
				return result;
			} catch (err) {
				if (db.isTransaction) db.exec("ROLLBACK");
				throw err;
			}
		} finally {
			this.busy = null;
			end();
		}
	}

	private connection(): DatabaseSync {
		if (!this.db) throw new Error(`embedded database ${this.file ?? "in memory"} is not open`);
		return this.db;
	}
}
