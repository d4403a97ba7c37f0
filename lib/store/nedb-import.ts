/**
 * One-time import of a service's NeDB files (DATA_DIR/<service>/<collection>.db, written by releases
 * up to 0.1.0) into its stores. Each file is read (lib/store/nedb-file.ts), its live documents are
 * inserted with their own ids, and the file is then renamed to `<collection>.db.imported`: the next
 * start finds nothing to import, and the old data stays on disk for a manual rollback.
 *
 * Ids the store already holds are skipped, so an import cut short by a crash is simply run again
 * at the next start (the file is renamed only once every document is in).
 */
import fs from "node:fs";
import path from "node:path";
import { readNedbFile, type NedbDocument } from "./nedb-file";
import { DuplicateKeyError, type Doc, type Store } from "./types";

export interface ImportLogger {
	info(...args: unknown[]): void;
	warn(...args: unknown[]): void;
}

export interface CollectionImport {
	collection: string;
	/** The NeDB file read. */
	file: string;
	/** Where that file was moved once imported. */
	keptAs: string;
	/** Live documents in the file. */
	documents: number;
	/** Inserted by this run (the others were already in the store). */
	imported: number;
}

/** Documents written per transaction; the event loop runs between two. */
const BATCH_SIZE = 500;

export const IMPORTED_SUFFIX = ".imported";

/**
 * The collection's NeDB file: `<collection>.db`, else the `~` copy NeDB's compaction writes before
 * renaming it over the file (NeDB itself reads that one when the file is missing). Null when neither exists.
 */
function nedbDataFile(serviceDir: string, collection: string): string | null {
	const file = path.join(serviceDir, `${collection}.db`);
	if (fs.existsSync(file)) return file;
	return fs.existsSync(`${file}~`) ? `${file}~` : null;
}

/** `<collection>.db.imported`, or with a number appended when an earlier import already took that name. */
function keptName(serviceDir: string, collection: string): string {
	const base = path.join(serviceDir, `${collection}.db${IMPORTED_SUFFIX}`);
	let name = base;
	for (let n = 2; fs.existsSync(name); n++) name = `${base}.${n}`;
	return name;
}

function* batches<T>(items: Iterable<T>, size: number): Generator<T[]> {
	let batch: T[] = [];
	for (const item of items) {
		batch.push(item);
		if (batch.length === size) {
			yield batch;
			batch = [];
		}
	}
	if (batch.length) yield batch;
}

/** Inserts the documents whose ids the store does not hold yet, in one transaction; returns how many. */
async function insertMissing(store: Store, batch: Array<[string, NedbDocument]>, file: string): Promise<number> {
	return store.transaction(async tx => {
		const target = tx.bind(store);
		const present = new Set((await target.find({ where: { id: { in: batch.map(([id]) => id) } } })).map(d => d.id));
		let inserted = 0;
		for (const [id, fields] of batch) {
			if (present.has(id)) continue;
			try {
				await target.insert({ ...fields, id } as Doc);
			} catch (err) {
				if (!(err instanceof DuplicateKeyError)) throw err;
				throw new Error(
					`${file}: document ${id} clashes on ${err.fields.join(", ") || "a unique index"} with another already in ${store.collection}; ` +
						"the import stopped and will run again at the next start"
				);
			}
			inserted++;
		}
		return inserted;
	});
}

async function importCollection(file: string, serviceDir: string, store: Store, logger: ImportLogger): Promise<CollectionImport> {
	const { docs, stats } = await readNedbFile(file, { warn: message => logger.warn(message) });
	let imported = 0;
	for (const batch of batches(docs, BATCH_SIZE)) {
		imported += await insertMissing(store, batch, file);
		await new Promise<void>(resolve => setImmediate(resolve));
	}
	const keptAs = keptName(serviceDir, store.collection);
	fs.renameSync(file, keptAs);
	const skipped = stats.corruptLines + (stats.truncatedLastLine ? 1 : 0);
	logger.info(
		`Imported ${imported} of ${docs.size} ${store.collection} documents from the NeDB file ${file}` +
			(docs.size > imported ? ` (${docs.size - imported} were already in)` : "") +
			(skipped ? `, ${skipped} unreadable lines skipped` : "") +
			`; the file is kept as ${keptAs} for a manual rollback`
	);
	return { collection: store.collection, file, keptAs, documents: docs.size, imported };
}

/**
 * Imports, for each store whose NeDB file is in `serviceDir`, that file's live documents, then moves
 * the file aside. Call it once the stores are connected, before the service uses them. Collections
 * without a file are left alone; a store rejecting a document stops the import with an error (the
 * file stays, so the next start tries again).
 */
export async function importNedbDataDir(
	serviceDir: string,
	stores: Record<string, Store>,
	logger: ImportLogger
): Promise<CollectionImport[]> {
	const done: CollectionImport[] = [];
	for (const store of Object.values(stores)) {
		const file = nedbDataFile(serviceDir, store.collection);
		if (file) done.push(await importCollection(file, serviceDir, store, logger));
	}
	return done;
}
