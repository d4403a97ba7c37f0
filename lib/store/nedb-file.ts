/**
 * Reads a data file of NeDB, the embedded store of releases up to 0.1.0, without NeDB itself, so
 * their data directories can be imported once (lib/store/nedb-import.ts).
 *
 * NeDB's format (@seald-io/nedb 3, lib/persistence.js and lib/model.js): one JSON document per line,
 * appended on every write, so a later line with the same `_id` replaces the earlier one;
 * `{"$$deleted":true,"_id":...}` removes the document; `{"$$indexCreated":{fieldName,...}}` and
 * `{"$$indexRemoved":"field"}` lines are index metadata; a Date is written as `{"$$date": <ms>}`.
 * A compaction rewrites the file with one line per live document followed by its index lines.
 *
 * The file is read as a stream, line by line; only the live documents are kept.
 */
import fs from "node:fs";

/** A document's fields, `_id` taken out (it is the key of the map). */
export type NedbDocument = Record<string, unknown>;

export interface NedbFileStats {
	/** Non-empty lines, the truncated last one included. */
	lines: number;
	/** Lines holding a document's state (superseded ones included). */
	documentLines: number;
	/** `$$deleted` lines. */
	deletionLines: number;
	/** `$$indexCreated` / `$$indexRemoved` lines. */
	indexLines: number;
	/** Lines skipped as unreadable: not JSON, or neither a document nor index metadata (the truncated last line not counted). */
	corruptLines: number;
	/** The file ends in a line without its newline that is not JSON: an append cut short by a crash. */
	truncatedLastLine: boolean;
}

export interface NedbFile {
	/** The live documents by id. */
	docs: Map<string, NedbDocument>;
	stats: NedbFileStats;
}

export interface NedbReadOptions {
	/** Told about each line skipped (the first few by number, then a total). */
	warn?: (message: string) => void;
}

/** Unreadable lines named one by one; past this, one total. */
const WARNED_LINES_MAX = 10;

const READ_CHUNK_BYTES = 1 << 20;

/**
 * NeDB turns `{"$$date": v}` into `new Date(v)`. The app itself stores dates as ISO strings (and
 * compares them as strings), so they become that; a value no Date can hold becomes null.
 */
function reviveDate(_key: string, value: unknown): unknown {
	if (value === null || typeof value !== "object" || Array.isArray(value) || !Object.hasOwn(value, "$$date")) return value;
	const date = new Date((value as { $$date: string | number }).$$date);
	return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

function parseLine(text: string): unknown {
	// The reviver costs a call per value: only lines that can hold a Date pay for it.
	return text.includes('"$$date"') ? JSON.parse(text, reviveDate) : JSON.parse(text);
}

function isObject(value: unknown): value is Record<string, unknown> {
	return value !== null && typeof value === "object" && !Array.isArray(value);
}

/**
 * Calls `onLine` with each line of the file and whether a newline ended it. Lines are split on
 * "\n" bytes only (a byte UTF-8 never uses inside a character), never on U+2028 and the like as
 * NeDB's reader did: a line an older release wrote with one of those unescaped stays whole.
 */
async function forEachLine(file: string, onLine: (text: string, terminated: boolean) => void): Promise<void> {
	const pending: Buffer[] = [];
	for await (const chunk of fs.createReadStream(file, { highWaterMark: READ_CHUNK_BYTES }) as AsyncIterable<Buffer>) {
		let start = 0;
		for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, start)) {
			const tail = chunk.subarray(start, nl);
			onLine((pending.length ? Buffer.concat([...pending, tail]) : tail).toString("utf8"), true);
			pending.length = 0;
			start = nl + 1;
		}
		if (start < chunk.length) pending.push(chunk.subarray(start));
	}
	if (pending.length) onLine(Buffer.concat(pending).toString("utf8"), false);
}

/** Reads a NeDB data file into its live documents. Throws only when the file cannot be read. */
export async function readNedbFile(file: string, opts: NedbReadOptions = {}): Promise<NedbFile> {
	const warn = opts.warn ?? (() => undefined);
	const docs = new Map<string, NedbDocument>();
	const stats: NedbFileStats = { lines: 0, documentLines: 0, deletionLines: 0, indexLines: 0, corruptLines: 0, truncatedLastLine: false };

	const corrupt = (lineNo: number, why: string) => {
		stats.corruptLines++;
		if (stats.corruptLines <= WARNED_LINES_MAX) warn(`${file}: line ${lineNo} skipped, ${why}`);
	};

	await forEachLine(file, (text, terminated) => {
		if (!text.trim()) return;
		const lineNo = ++stats.lines;
		let line: unknown;
		try {
			line = parseLine(text);
		} catch (err) {
			if (terminated) return corrupt(lineNo, `not JSON (${(err as Error).message})`);
			stats.truncatedLastLine = true;
			warn(`${file}: the last line (${lineNo}) is cut short, as a crash while appending it leaves it; skipped`);
			return;
		}
		if (!isObject(line)) return corrupt(lineNo, "not a JSON object");
		const id = line._id;
		// As NeDB: any line with a truthy _id is a document's state (ids are strings in this app).
		if (id) {
			if (typeof id !== "string" && typeof id !== "number") return corrupt(lineNo, "its _id is neither a string nor a number");
			if (line.$$deleted === true) {
				stats.deletionLines++;
				docs.delete(String(id));
				return;
			}
			stats.documentLines++;
			const { _id, ...fields } = line;
			docs.set(String(id), fields);
			return;
		}
		const created = line.$$indexCreated;
		if ((isObject(created) && created.fieldName != null) || typeof line.$$indexRemoved === "string") {
			stats.indexLines++;
			return;
		}
		corrupt(lineNo, "neither a document (no _id) nor index metadata");
	});

	if (stats.corruptLines > WARNED_LINES_MAX) warn(`${file}: ${stats.corruptLines} unreadable lines skipped in all`);
	return { docs, stats };
}
