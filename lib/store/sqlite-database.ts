/**
 * One embedded SQLite database (Node's built-in node:sqlite): a file per service under DATA_DIR, or
 * memory only. The collections of a service share it, so one transaction can span them.
 *
 * node:sqlite is synchronous: a statement runs on the event loop and is done when it returns. Reads
 * cost microseconds. A commit costs far more (its pages are written to the WAL file: 200-400 us
 * measured on this VM for one insert into a table with three indexes), so writes are group-committed:
 * every write of one event-loop turn runs in one open transaction that commits at the end of the turn
 * (setImmediate), and each write resolves only once that commit is done. A write that a caller has
 * seen resolve is therefore on disk, and a crash loses only writes nobody was told about. A write
 * that fails (a unique clash) rolls back alone; the rest of its batch commits. A deferrable write
 * (writeDeferred) joins the open batch, or opens one that commits after DEFERRED_COMMIT_MS unless a
 * write that is awaited joins it first.
 *
 * Explicit transactions (transaction()) are a savepoint in the batch. Their work may await, so while
 * one is open every other operation on this database waits for it (`idle`), and a commit that came
 * due meanwhile is made as it ends, before the next one in line begins.
 *
 * Durability: WAL with synchronous=NORMAL. A commit is in the OS's hands when it returns, so a killed
 * process loses nothing that was acknowledged; a power cut can lose the last commits (not consistency).
 */
import { AsyncLocalStorage } from "node:async_hooks";
import fs from "node:fs";
import path from "node:path";
import { DatabaseSync, type ArrayRowStatement, type StatementSync } from "./node-sqlite";
import {
	checkpointInBackground,
	readInBackground,
	RESTART_PAGES,
	SAFETY_NET_PAGES,
	stopCheckpointing,
	type BackgroundRead
} from "./sqlite-checkpointer";

/** Prepared statements kept per SQL text; lists of `in` values make a few texts more, so it is capped. */
const STATEMENT_CACHE_MAX = 500;

/** Marks the cache key of a statement that returns arrays (no SQL text starts with it). */
const ARRAY_ROWS = "\0rows:";

/**
 * Page cache per database: nine services in one process hold at most this each, whatever the data
 * size. 2 MiB rather than 4: 12 MiB less RSS for the all-in-one at 400 orders/s, with the same CPU
 * per order (docs/performance.md, eighth session); a page it misses comes from the OS's file cache.
 */
const CACHE_KIB = 2 * 1024;

/** The transaction (its end promise) the current async context runs in, to catch a self-deadlock. */
const inTransaction = new AsyncLocalStorage<Promise<void>>();

/**
 * A deferrable write (inbox marks, removals of delivered outbox records) waits at most this long for
 * a commit it can join before one is made for it alone.
 */
export const DEFERRED_COMMIT_MS = 100;

interface Batch {
	committed: Promise<void>;
	resolve(): void;
	reject(err: unknown): void;
	/** Its commit is due at the end of the turn: a caller awaits it. */
	urgent: boolean;
	/** While only deferrable writes are in it: their commit at the latest. */
	timer: NodeJS.Timeout | null;
	/** Its commit came due while a transaction was open: it is made as that transaction ends. */
	due: boolean;
}

export interface SqliteDatabaseOptions {
	/** The database file, or null for memory only. */
	file: string | null;
	/** Frames in the WAL at which it is made to start over (RESTART_PAGES; smaller in tests). */
	walRestartPages?: number;
}

export class SqliteDatabase {
	readonly file: string | null;
	private readonly walRestartPages: number;
	private db: DatabaseSync | null = null;
	private users = 0;
	private statements = new Map<string, StatementSync>();
	/** The explicit transaction's (or hold's) end, while one is open. */
	private busy: Promise<void> | null = null;
	/** Whether `busy` is a hold: nothing is left uncommitted then, so reads need not wait. */
	private holding = false;
	/** Operations and transactions waiting for the open transaction's end, in arrival order. */
	private waiting: Array<{ tx: boolean; wake(): void }> = [];
	/** The group commit collecting this turn's writes, while one is open. */
	private batch: Batch | null = null;

	constructor(opts: SqliteDatabaseOptions) {
		this.file = opts.file;
		this.walRestartPages = opts.walRestartPages ?? RESTART_PAGES;
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
				// The WAL file keeps its peak size (about the checkpointer's restart size, 64 MiB) until close:
				// shrinking it on a restart is an ftruncate on the event loop, 16-69 ms per database measured
				// at 400 orders/s, all databases at once whenever the load paused (docs/performance.md).
				"PRAGMA journal_size_limit = -1",
				"PRAGMA foreign_keys = OFF",
				// Checkpoints run on a worker thread, which also starts the WAL over (lib/store/sqlite-checkpointer.ts); this is the safety net.
				`PRAGMA wal_autocheckpoint = ${SAFETY_NET_PAGES}`
			].join(";")
		);
		// Case-insensitive substring match for every script (LIKE and lower() fold ASCII only).
		db.function("shop_contains", { deterministic: true }, (haystack, needle) =>
			typeof haystack === "string" && typeof needle === "string" ? Number(haystack.toLowerCase().includes(needle.toLowerCase())) : 0
		);
		this.db = db;
		if (this.file) checkpointInBackground(this.file, work => this.hold(work), this.walRestartPages);
	}

	/** Closes when the last user leaves; a checkpoint folds the WAL into the database file first. */
	close(): void {
		if (--this.users > 0 || !this.db) return;
		this.commitBatch();
		if (this.file) void stopCheckpointing(this.file);
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

	/** Reads on the checkpointer's connection, off the event loop, on one snapshot; null where there is none. */
	readInBackground(statements: readonly BackgroundRead[]): Promise<unknown[]> | null {
		return this.file && this.db ? readInBackground(this.file, statements) : null;
	}

	statement(sql: string): StatementSync {
		return this.prepared(sql, false);
	}

	/**
	 * A statement whose rows come back as arrays of column values, in the order the text selects
	 * them. node:sqlite makes a row object one property at a time from C++: for an order's 18
	 * columns that took twice as long as the lookup itself (10.6 against 5.4 us per row measured).
	 */
	rowStatement(sql: string): ArrayRowStatement {
		// node:sqlite's types know only object rows, whatever setReturnArrays says.
		return this.prepared(sql, true) as unknown as ArrayRowStatement;
	}

	private prepared(sql: string, arrays: boolean): StatementSync {
		const key = arrays ? ARRAY_ROWS + sql : sql;
		let stmt = this.statements.get(key);
		if (!stmt) {
			if (this.statements.size >= STATEMENT_CACHE_MAX) this.statements.clear();
			stmt = this.connection().prepare(sql);
			if (arrays) stmt.setReturnArrays(true);
			this.statements.set(key, stmt);
		}
		return stmt;
	}

	/**
	 * Null when no transaction is open, else a promise of the caller's turn (that transaction's end,
	 * in line). Callers loop until null and then act synchronously: an `await` between the check and
	 * the statement would let a transaction begin. A read (`forRead`) goes on during a hold: the hold
	 * committed everything first, and a read on this connection does not keep the WAL from starting
	 * over (it ends before the next write begins).
	 */
	idle(forRead = false): Promise<void> | null {
		if (!this.busy || (forRead && this.holding)) return null;
		this.refuseSelfDeadlock();
		return this.wait(false);
	}

	/** The transaction's own work using a store it did not bind would wait for itself for ever. */
	private refuseSelfDeadlock(): void {
		if (inTransaction.getStore() === this.busy)
			throw new Error("A store of this database was used inside its transaction without tx.bind(store)");
	}

	/**
	 * Waits in line for the open transaction's end. Each waiter is woken once, in order (see
	 * wakeWaiting): 50 concurrent flows all re-checking one shared promise at every transaction's end
	 * made hundreds of wake-ups per order, and their microtasks stretched every transaction.
	 */
	private wait(tx: boolean, front = false): Promise<void> {
		return new Promise<void>(wake => (front ? this.waiting.unshift({ tx, wake }) : this.waiting.push({ tx, wake })));
	}

	/**
	 * At a transaction's end: wakes the waiters up to the first waiting transaction. The operations
	 * before it resume first (microtasks run in order) and run their statements; it then begins, and
	 * those after it wait for its end.
	 */
	private wakeWaiting(): void {
		let n = 0;
		while (n < this.waiting.length) {
			const waiter = this.waiting[n++];
			waiter.wake();
			if (waiter.tx) break;
		}
		this.waiting.splice(0, n);
	}

	/**
	 * Runs a write statement in this turn's batch and resolves with its result once the batch is
	 * committed. A statement that throws (a constraint) is rolled back alone and rejects at once.
	 */
	async write<R>(statement: () => R): Promise<R> {
		const batch = this.openBatch(true);
		const result = statement();
		await batch.committed;
		return result;
	}

	/**
	 * Runs a write whose loss in a crash is harmless (a record of work already done, which is done
	 * again or skipped when it is lost) and answers once it is applied, without a commit of its own:
	 * it becomes durable with the next commit of this database, at the latest DEFERRED_COMMIT_MS
	 * later. The outbox's removals and the inbox's marks made more than half of an order's commits
	 * (23 at 100 orders per second, 14 without them), and under load their commits came between
	 * the batches: the closed loop went 423 -> 486 paid/s (docs/performance.md).
	 */
	writeDeferred<R>(statement: () => R): R {
		this.openBatch(false);
		return statement();
	}

	/**
	 * Runs `work` in one transaction: all its statements commit together, or none when it throws.
	 * Other operations on this database wait until it ends. Its statements run directly (see
	 * SqliteStore's transaction views), and it resolves once its batch is committed.
	 */
	async transaction<R>(work: () => Promise<R>): Promise<R> {
		const { turn, end } = await this.takeTurn();
		let batch: Batch;
		let result: R;
		try {
			batch = this.openBatch(true);
			const db = this.connection();
			db.exec("SAVEPOINT tx");
			try {
				result = await inTransaction.run(turn, work);
				db.exec("RELEASE tx");
			} catch (err) {
				db.exec("ROLLBACK TO tx");
				db.exec("RELEASE tx");
				throw err;
			}
		} finally {
			end();
		}
		await batch.committed;
		return result;
	}

	/**
	 * Holds every write and transaction on this database, with nothing left uncommitted, while `work` runs:
	 * the checkpointer folds back the WAL's last frames then, so that the next write starts the WAL
	 * over (lib/store/sqlite-checkpointer.ts).
	 */
	async hold(work: () => Promise<void>): Promise<void> {
		const { end } = await this.takeTurn();
		try {
			this.commitBatch();
			this.holding = true;
			await work();
		} finally {
			this.holding = false;
			end();
		}
	}

	/** Waits in line for the database to itself, then has it (`turn`, ended by `end`). */
	private async takeTurn(): Promise<{ turn: Promise<void>; end(): void }> {
		for (let woken = false; this.busy; woken = true) {
			this.refuseSelfDeadlock();
			// Woken but overtaken by a transaction that began meanwhile: it keeps its place in line.
			await this.wait(true, woken);
		}
		let resolve!: () => void;
		const turn = (this.busy = new Promise<void>(done => (resolve = done)));
		const end = () => {
			this.busy = null;
			if (this.batch?.due) this.commitBatch();
			resolve();
			this.wakeWaiting();
		};
		return { turn, end };
	}

	/** The open batch, or a new one; `urgent`: its commit is due at the end of this turn. */
	private openBatch(urgent: boolean): Batch {
		let batch = this.batch;
		if (!batch) {
			this.connection().exec("BEGIN IMMEDIATE");
			let resolve!: () => void;
			let reject!: (err: unknown) => void;
			const committed = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
			// A batch may have no one left awaiting it (its only write failed alone): its failure must not go unhandled.
			committed.catch(() => undefined);
			this.batch = batch = { committed, resolve, reject, urgent: false, timer: null, due: false };
		}
		if (urgent && !batch.urgent) {
			batch.urgent = true;
			if (batch.timer) clearTimeout(batch.timer);
			batch.timer = null;
			const due = batch;
			setImmediate(() => this.commitWhenIdle(due));
		} else if (!batch.urgent && !batch.timer) {
			const due = batch;
			batch.timer = setTimeout(() => this.commitWhenIdle(due), DEFERRED_COMMIT_MS);
		}
		return batch;
	}

	/**
	 * Commits `batch` at the end of the turn (or its deferred time), or as the open explicit
	 * transaction ends, before the next one in line begins: waiting for a turn with none open let a
	 * line of transactions (200 reservations of one item) hold every answer until its end.
	 */
	private commitWhenIdle(batch: Batch): void {
		if (this.batch !== batch) return;
		if (this.busy) batch.due = true;
		else this.commitBatch();
	}

	private commitBatch(): void {
		const batch = this.batch;
		if (!batch || !this.db) return;
		this.batch = null;
		if (batch.timer) clearTimeout(batch.timer);
		try {
			this.db.exec("COMMIT");
			batch.resolve();
		} catch (err) {
			if (this.db.isTransaction) this.db.exec("ROLLBACK");
			batch.reject(err);
		}
	}

	private connection(): DatabaseSync {
		if (!this.db) throw new Error(`embedded database ${this.file ?? "in memory"} is not open`);
		return this.db;
	}
}
