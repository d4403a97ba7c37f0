/**
 * Folds the WAL of each embedded database back into its file on a worker thread. A checkpoint
 * fsyncs the WAL and the database file; on the event loop that stalled every request for the
 * length of an fsync each time the WAL reached SQLite's default 1,000 pages (p99 of POST /orders
 * at 400/s: seconds). On a connection of its own in one worker for the process, a PASSIVE
 * checkpoint runs beside the writer, which WAL mode allows; the writer restarts the WAL from its
 * beginning once a checkpoint has folded back every frame before its next transaction. Under a
 * steady load that moment rarely comes, so the WAL grows to SQLite's own checkpoint on the event
 * loop, kept as a far-off safety net (SAFETY_NET_PAGES): about every 9 s for the orders database
 * at 400 orders/s (docs/performance.md).
 */
import { Worker } from "node:worker_threads";

export const SAFETY_NET_PAGES = 50_000;
const INTERVAL_MS = 250;

const WORKER_SOURCE = `
const { parentPort } = require("node:worker_threads");
const emitWarning = process.emitWarning;
process.emitWarning = (w, ...rest) => String(w).includes("SQLite is an experimental feature") ? undefined : emitWarning.call(process, w, ...rest);
const { DatabaseSync } = require("node:sqlite");
const databases = new Map();
parentPort.on("message", ({ add, remove }) => {
	if (add && !databases.has(add)) {
		const db = new DatabaseSync(add, { timeout: 1000 });
		db.exec("PRAGMA synchronous = NORMAL; PRAGMA cache_size = -256");
		databases.set(add, db);
	}
	if (remove) {
		databases.get(remove)?.close();
		databases.delete(remove);
	}
});
setInterval(() => {
	for (const [file, db] of databases) {
		try {
			db.exec("PRAGMA wal_checkpoint(PASSIVE)");
		} catch (err) {
			parentPort.postMessage({ file, error: String(err && err.message) });
		}
	}
}, ${INTERVAL_MS});
`;

let worker: Worker | null = null;
const files = new Set<string>();

/** Starts checkpointing a database file (opened in WAL mode by its owner first). */
export function checkpointInBackground(file: string): void {
	if (!worker) {
		worker = new Worker(WORKER_SOURCE, { eval: true });
		// A checkpoint that fails now is retried at the next interval; the safety net covers the rest.
		worker.on("message", ({ file: failed, error }: { file: string; error: string }) =>
			process.emitWarning(`WAL checkpoint of ${failed} failed: ${error}`)
		);
		worker.unref();
	}
	files.add(file);
	worker.postMessage({ add: file });
}

/** Stops checkpointing a file (before its owner closes it); the worker ends with the last one. */
export async function stopCheckpointing(file: string): Promise<void> {
	if (!worker || !files.delete(file)) return;
	if (files.size > 0) {
		worker.postMessage({ remove: file });
		return;
	}
	const ending = worker;
	worker = null;
	await ending.terminate();
}
