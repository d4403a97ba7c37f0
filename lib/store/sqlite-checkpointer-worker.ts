/**
 * The checkpointer's worker thread (started by lib/store/sqlite-checkpointer.ts, which says why it
 * exists): one connection per embedded database file, which folds the WAL back into the file, asks
 * the owner to hold its writes when the WAL should start over, and answers the reads sent to it.
 *
 * The thread loads this file itself: compiled in dist/, as TypeScript under tsx and the tests, where
 * Node strips the types. Hence `require` and no imports but of types: Node's type stripping runs it
 * as CommonJS without resolving this project's modules.
 */
import type { MessagePort } from "node:worker_threads";
import type * as Sqlite from "node:sqlite";

/** What the owner sends. */
export interface ToWorker {
	/** Open this file and checkpoint it, starting the WAL over once it holds `restartPages` frames. */
	add?: string;
	restartPages?: number;
	remove?: string;
	/** Fold back what is left, while the owner holds its writes (after a `hold`). */
	fold?: string;
	/** Answered with `checkpoints`: how many checkpoints ran on each file (not those skipped). */
	stats?: boolean;
	read?: {
		id: number;
		file: string;
		statements: ReadonlyArray<{ sql: string; params: readonly Sqlite.SQLInputValue[]; rows?: boolean }>;
	};
}

/** What the worker answers. */
export type FromWorker =
	| { file: string; error: string }
	| { hold: string }
	| { folded: string }
	| { checkpoints: Record<string, number> }
	| { read: number; results: unknown[] }
	| { read: number; failed: string };

/** The owner's timings, passed as workerData. */
export interface WorkerTimings {
	intervalMs: number;
	/** Between rounds in which no database had anything to fold back. */
	idleIntervalMs: number;
	foldTimeoutMs: number;
	maxBackoffMs: number;
	/** The longest a database whose WAL looks unchanged goes without a checkpoint. */
	settledRecheckMs: number;
}

interface Entry {
	db: Sqlite.DatabaseSync;
	checkpoint: Sqlite.StatementSync;
	reads: Map<string, Sqlite.StatementSync>;
	restartPages: number;
	/** WAL frames when the last hold was asked (0: none since the WAL started over). */
	heldAt: number;
	backoff: number;
	notBefore: number;
	/** The WAL file's mtime and size when a checkpoint last found every frame folded back (null: not since). */
	settled: string | null;
	settledAt: number;
	checkpoints: number;
}

/* eslint-disable @typescript-eslint/no-require-imports -- see the header: no imports at run time */
const { parentPort, workerData } = require("node:worker_threads") as { parentPort: MessagePort; workerData: WorkerTimings };
const fs = require("node:fs") as typeof import("node:fs");
// As lib/store/node-sqlite.ts does; that file cannot be required here (with its `export`s, Node's
// type stripping takes it for an ES module, where `require` does not exist).
const emitWarning = process.emitWarning;
process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
	if (String(warning).includes("SQLite is an experimental feature")) return;
	(emitWarning as (...args: unknown[]) => void).call(process, warning, ...rest);
}) as typeof process.emitWarning;
const { DatabaseSync } = require("node:sqlite") as typeof Sqlite;
/* eslint-enable @typescript-eslint/no-require-imports */

const { intervalMs, idleIntervalMs, foldTimeoutMs, maxBackoffMs, settledRecheckMs } = workerData;
const databases = new Map<string, Entry>();

function post(message: FromWorker): void {
	parentPort.postMessage(message);
}

function messageOf(err: unknown): string {
	return String((err as Error | undefined)?.message);
}

function checkpoint(file: string, entry: Entry): { log: number; checkpointed: number } | null {
	entry.checkpoints++;
	try {
		return (entry.checkpoint.get() as { log: number; checkpointed: number } | undefined) ?? null;
	} catch (err) {
		post({ file, error: messageOf(err) });
		return null;
	}
}

function prepared(entry: Entry, sql: string, rows: boolean | undefined): Sqlite.StatementSync {
	const key = rows ? "rows:" + sql : sql;
	let statement = entry.reads.get(key);
	if (!statement) {
		// Filters on lists of values make new texts without end; the pollers' few stay prepared.
		if (entry.reads.size >= 100) entry.reads.clear();
		statement = entry.db.prepare(sql);
		// Rows as arrays of column values, as the owner's own statements return them.
		if (rows) statement.setReturnArrays(true);
		entry.reads.set(key, statement);
	}
	return statement;
}

function read({ id, file, statements }: NonNullable<ToWorker["read"]>): void {
	try {
		const entry = databases.get(file);
		if (!entry) throw new Error("the database is not open in the checkpointer");
		const prepare = statements.map(({ sql, rows }) => prepared(entry, sql, rows));
		// Several statements read one snapshot (a page and its total agree), in one read transaction.
		const several = statements.length > 1;
		if (several) entry.db.exec("BEGIN");
		try {
			const results = statements.map(({ params, rows }, i) => (rows ? prepare[i].all(...params) : prepare[i].get(...params)));
			post({ read: id, results });
		} finally {
			if (several) entry.db.exec("COMMIT");
		}
	} catch (err) {
		post({ read: id, failed: messageOf(err) });
	}
}

parentPort.on("message", ({ add, restartPages, remove, fold, read: toRead, stats }: ToWorker) => {
	if (add && !databases.has(add)) {
		try {
			const db = new DatabaseSync(add, { timeout: 1000 });
			db.exec("PRAGMA synchronous = NORMAL; PRAGMA cache_size = -256");
			const checkpointStatement = db.prepare("PRAGMA wal_checkpoint(PASSIVE)");
			databases.set(add, {
				db,
				checkpoint: checkpointStatement,
				reads: new Map(),
				restartPages: restartPages!,
				heldAt: 0,
				backoff: intervalMs,
				notBefore: 0,
				settled: null,
				settledAt: 0,
				checkpoints: 0
			});
		} catch (err) {
			post({ file: add, error: messageOf(err) });
		}
	}
	if (remove) {
		databases.get(remove)?.db.close();
		databases.delete(remove);
	}
	if (fold) {
		const entry = databases.get(fold);
		if (entry) checkpoint(fold, entry);
		post({ folded: fold });
		if (waitingForFold === fold) resume();
	}
	if (toRead) read(toRead);
	if (stats) post({ checkpoints: Object.fromEntries([...databases].map(([file, entry]) => [file, entry.checkpoints])) });
});

// One database per turn. After asking for a hold the loop waits for the fold, so that the owner's
// operations wait for that one short checkpoint only, not for another database's too.
let queue: string[] = [];
let waitingForFold: string | null = null;
let resumeTimer: NodeJS.Timeout | undefined;

function resume(): void {
	clearTimeout(resumeTimer);
	waitingForFold = null;
	setImmediate(next);
}

/** The WAL file's mtime and size (every commit writes it), null without one. */
function walState(file: string): string | null {
	try {
		const { mtimeNs, size } = fs.statSync(`${file}-wal`, { bigint: true });
		return `${mtimeNs}:${size}`;
	} catch {
		return null;
	}
}

/**
 * Nothing was written since a checkpoint folded every frame back: no need for another. A checkpoint
 * with nothing to do still takes the WAL's locks, nine databases four times a second while the
 * shop is idle. The file's mtime can miss a write made within the same clock tick as the previous
 * one, so a settled database is still checkpointed every `settledRecheckMs`.
 */
function unchanged(file: string, now: number): boolean {
	const entry = databases.get(file);
	if (!entry) return true;
	return entry.settled !== null && now - entry.settledAt < settledRecheckMs && walState(file) === entry.settled;
}

/** Whether this round of the databases ran a checkpoint; a round that did not waits `idleIntervalMs` for the next. */
let checkpointedThisRound = false;

function round(): void {
	queue = [...databases.keys()];
	checkpointedThisRound = false;
	next();
}

function next(): void {
	const now = Date.now();
	let file = queue.shift();
	// Passed over in the same turn: a turn of the loop per database woke the thread for nothing.
	while (file !== undefined && unchanged(file, now)) file = queue.shift();
	if (file === undefined) {
		setTimeout(round, checkpointedThisRound ? intervalMs : idleIntervalMs);
		return;
	}
	checkpointedThisRound = true;
	const entry = databases.get(file)!; // unchanged() passed over the files no longer open
	// Taken before the checkpoint: a write after it changes the state, so the next round checkpoints.
	const before = walState(file);
	const done = checkpoint(file, entry);
	entry.settled = done && done.checkpointed >= done.log ? before : null;
	entry.settledAt = now;
	if (done) {
		if (done.log < entry.heldAt) {
			// The WAL started over since the last hold.
			entry.heldAt = 0;
			entry.backoff = intervalMs;
		}
		if (done.log >= entry.restartPages && Date.now() >= entry.notBefore) {
			// The last hold did not make the WAL start over (another process reading it, say): holding
			// again at once would hold the callers for nothing, so each such hold comes later.
			if (entry.heldAt > 0) entry.backoff = Math.min(entry.backoff * 2, maxBackoffMs);
			entry.notBefore = Date.now() + entry.backoff;
			entry.heldAt = done.log;
			post({ hold: file });
			waitingForFold = file;
			resumeTimer = setTimeout(resume, foldTimeoutMs);
			return;
		}
	}
	setImmediate(next);
}

round();
