/**
 * Folds the WAL of each embedded database back into its file on a worker thread, and has the WAL
 * start over from its beginning before it grows large.
 *
 * A checkpoint fsyncs the WAL and the database file; on the event loop that stalled every request
 * for the length of an fsync each time the WAL reached SQLite's default 1,000 pages (p99 of POST
 * /orders at 400/s: seconds). On a connection of its own in one worker for the process, a PASSIVE
 * checkpoint runs beside the writer, which WAL mode allows.
 *
 * The writer starts the WAL over only when a checkpoint has folded back every frame before its
 * next transaction; under a steady load a commit always comes in between, so the WAL grew until
 * SQLite's own checkpoint on the event loop (SAFETY_NET_PAGES) made two fsyncs of 5-35 ms there,
 * about every 9 s for the orders database at 400 orders/s. So once the WAL holds `restartPages`
 * frames, right after a checkpoint, the worker asks the database's owner to hold its writes
 * (`hold`) and folds back the few frames written since, with no commit in between; the next write
 * then starts the WAL over. Only that database's writers wait, for a checkpoint of a few frames,
 * and the event loop runs on. The safety net stays for a worker that falls behind.
 *
 * The same connections answer reads that scan much and may lag the writer (`readInBackground`):
 * a periodic count of a million orders took 90-190 ms, a stall of the event loop every 15 s.
 */
import path from "node:path";
import { Worker } from "node:worker_threads";
import type { FromWorker, ToWorker, WorkerTimings } from "./sqlite-checkpointer-worker";
import type { SqlValue } from "./sqlite-sql";

export const SAFETY_NET_PAGES = 50_000;
/** Frames in the WAL at which it is made to start over (64 MiB at SQLite's 4 KiB pages). */
export const RESTART_PAGES = 16_384;
const INTERVAL_MS = 250;
/** Between rounds while nothing is written: a write then waits at most this long for its fold. */
const IDLE_INTERVAL_MS = 1_000;
/** A fold the worker has not answered by then (it is ending) releases the database anyway. */
const FOLD_TIMEOUT_MS = 2_000;
/** The longest wait between holds while the WAL does not start over after them. */
const MAX_BACKOFF_MS = 60_000;
/** A database with nothing written since its WAL was folded back is checkpointed only this often. */
const SETTLED_RECHECK_MS = 5_000;

/** Holds the database's writes while `fold` runs; resolves once they resume. */
export type HoldOperations = (fold: () => Promise<void>) => Promise<void>;

/** The worker's file beside this one: compiled in dist/, TypeScript (types stripped by Node) from the sources. */
const WORKER_FILE = path.join(__dirname, `sqlite-checkpointer-worker${path.extname(__filename)}`);

let worker: Worker | null = null;
/** Each checkpointed file with its owner's hold. */
const files = new Map<string, HoldOperations>();
const folding = new Map<string, () => void>();
/** Reads sent to the worker, by id, until it answers them. */
const reading = new Map<number, { resolve(results: unknown[]): void; reject(err: Error): void }>();
let lastReadId = 0;
/** Callers of checkpointCounts waiting for the worker's answer. */
const counting: Array<(counts: Record<string, number>) => void> = [];

function send(message: ToWorker): void {
	worker?.postMessage(message);
}

function onMessage(message: FromWorker): void {
	if ("read" in message) {
		const waiting = reading.get(message.read);
		reading.delete(message.read);
		if ("failed" in message) waiting?.reject(new Error(message.failed));
		else waiting?.resolve(message.results);
	} else if ("checkpoints" in message) {
		for (const answer of counting.splice(0)) answer(message.checkpoints);
	} else if ("error" in message) {
		// A checkpoint that fails is tried again at the next interval; a file the worker cannot open is
		// left to the safety net.
		process.emitWarning(`WAL checkpointer on ${message.file} failed: ${message.error}`);
	} else if ("hold" in message) {
		const hold = files.get(message.hold);
		if (hold)
			void hold(() => fold(message.hold)).catch(err => process.emitWarning(`WAL restart of ${message.hold} failed: ${String(err)}`));
	} else {
		folding.get(message.folded)?.();
	}
}

/** Asks the worker to fold back the rest of the WAL while the owner holds its operations. */
function fold(file: string): Promise<void> {
	return new Promise<void>(resolve => {
		const timer = setTimeout(done, FOLD_TIMEOUT_MS);
		function done() {
			clearTimeout(timer);
			folding.delete(file);
			resolve();
		}
		folding.set(file, done);
		if (worker && files.has(file)) send({ fold: file });
		else done();
	});
}

/** Ends the reads the worker will not answer (it stopped or was stopped). */
function failReads(why: string): void {
	for (const { reject } of reading.values()) reject(new Error(why));
	reading.clear();
	for (const answer of counting.splice(0)) answer({});
}

/** A read for the worker: the first row as an object, or with `rows` every row as an array of column values. */
export interface BackgroundRead {
	sql: string;
	params: readonly SqlValue[];
	rows?: boolean;
}

/**
 * Runs read-only statements on the worker's connection to `file`, off the event loop, all on one
 * snapshot; they see what was committed, not the writer's open batch. Null where no worker
 * checkpoints the file (an in-memory database): the caller reads on its own connection.
 */
export function readInBackground(file: string, statements: readonly BackgroundRead[]): Promise<unknown[]> | null {
	if (!worker || !files.has(file)) return null;
	const id = ++lastReadId;
	const answered = new Promise<unknown[]>((resolve, reject) => reading.set(id, { resolve, reject }));
	send({ read: { id, file, statements } });
	return answered;
}

/** How many checkpoints the worker ran on each file it checkpoints (for diagnosis; {} without a worker). */
export function checkpointCounts(): Promise<Record<string, number>> {
	if (!worker) return Promise.resolve({});
	return new Promise(resolve => {
		counting.push(resolve);
		send({ stats: true });
	});
}

/**
 * Starts checkpointing a database file (opened in WAL mode by its owner first); `hold` holds the
 * owner's operations while the WAL is made to start over.
 */
export function checkpointInBackground(file: string, hold: HoldOperations, restartPages = RESTART_PAGES): void {
	if (!worker) {
		const timings: WorkerTimings = {
			intervalMs: INTERVAL_MS,
			idleIntervalMs: IDLE_INTERVAL_MS,
			foldTimeoutMs: FOLD_TIMEOUT_MS,
			maxBackoffMs: MAX_BACKOFF_MS,
			settledRecheckMs: SETTLED_RECHECK_MS
		};
		worker = new Worker(WORKER_FILE, { workerData: timings });
		worker.on("message", onMessage);
		// The worker's own fault: the open databases are left to the safety net, the next one opened gets a new worker.
		worker.on("error", err => {
			process.emitWarning(`WAL checkpointer stopped: ${String(err)}`);
			worker = null;
			files.clear();
			for (const done of folding.values()) done();
			failReads(`WAL checkpointer stopped: ${String(err)}`);
		});
		worker.unref();
	}
	files.set(file, hold);
	send({ add: file, restartPages });
}

/** Stops checkpointing a file (before its owner closes it); the worker ends with the last one. */
export async function stopCheckpointing(file: string): Promise<void> {
	if (!worker || !files.delete(file)) return;
	folding.get(file)?.();
	if (files.size > 0) {
		send({ remove: file });
		return;
	}
	const ending = worker;
	worker = null;
	failReads("the embedded databases closed");
	await ending.terminate();
}
