/**
 * A hash map standing in for the ordered tree (an AVL tree) inside a NeDB index whose field no
 * filter compares with lt/gt. Looking up or filing a key in the tree costs about 17 key
 * comparisons at 100,000 keys, and every write files each document in each of its indexes (the
 * _id index included, which every update also searches): together about 12 % of the CPU of an
 * order's checkout. A map does both in one step. NeDB's Index class keeps its own logic (sparse
 * fields, array values, unique checks with rollback); only its `tree` changes.
 *
 * Keys equal under NeDB's compareThings share an entry: scalars and Dates by a typed projection
 * (as NeDB itself projects them for unique checks); any other key (an object, NaN) is kept in a
 * list compared with compareThings. Range lookups still work, by scanning every key, and full
 * scans (getAll) list documents in the order their keys were first filed rather than key order.
 */

type Key = unknown;
type Entry = { key: Key; data: unknown[] };

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { compareThings } = require("@seald-io/nedb/lib/model.js") as { compareThings(a: unknown, b: unknown): number };
// NeDB's own test for a Date (it also accepts one made in another realm).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { isDate } = require("@seald-io/nedb/lib/utils.js") as { isDate(d: unknown): d is Date };

/** The map key of a key NeDB compares by value, or null for one compared otherwise. */
function project(key: Key): string | null {
	switch (typeof key) {
		case "string":
			return "s" + key;
		case "number":
			return Number.isNaN(key) ? null : "n" + key; // -0 and 0 alike, as NeDB compares them
		case "boolean":
			return key ? "t" : "f";
		case "undefined":
			return "u";
	}
	if (key === null) return "0";
	if (isDate(key) && !Number.isNaN(key.getTime())) return "d" + key.getTime();
	return null;
}

export class KeyMap {
	private readonly entries = new Map<string, Entry>();
	private readonly others: Entry[] = [];

	constructor(private readonly unique: boolean) {}

	private entry(key: Key): Entry | undefined {
		const projected = project(key);
		return projected === null ? this.others.find(e => compareThings(e.key, key) === 0) : this.entries.get(projected);
	}

	insert(key: Key, value: unknown): void {
		const found = this.entry(key);
		if (found) {
			if (this.unique) {
				// The error NeDB's tree throws, which the Index and the datastore roll back on.
				const err = new Error(`Can't insert key ${JSON.stringify(key)}, it violates the unique constraint`);
				Object.assign(err, { key, errorType: "uniqueViolated" });
				throw err;
			}
			found.data.push(value);
			return;
		}
		const projected = project(key);
		if (projected === null) this.others.push({ key, data: [value] });
		else this.entries.set(projected, { key, data: [value] });
	}

	/** Removes one document from a key, or the whole key when no document is given. */
	delete(key: Key, value?: unknown): void {
		const found = this.entry(key);
		if (!found) return;
		if (value !== undefined) found.data = found.data.filter(d => d !== value);
		if (value !== undefined && found.data.length) return;
		const projected = project(key);
		if (projected === null) this.others.splice(this.others.indexOf(found), 1);
		else this.entries.delete(projected);
	}

	/** The documents filed under a key: the live array, as NeDB's tree answers (see nedb-index-swap.ts). */
	search(key: Key): unknown[] {
		return this.entry(key)?.data ?? [];
	}

	/** Documents whose key is within the bounds, in key order (a scan of every key). */
	betweenBounds(query: { $lt?: unknown; $lte?: unknown; $gt?: unknown; $gte?: unknown }): unknown[] {
		const within = (key: Key) =>
			(!("$gt" in query) || compareThings(key, query.$gt) > 0) &&
			(!("$gte" in query) || compareThings(key, query.$gte) >= 0) &&
			(!("$lt" in query) || compareThings(key, query.$lt) < 0) &&
			(!("$lte" in query) || compareThings(key, query.$lte) <= 0);
		return this.all()
			.filter(e => within(e.key))
			.sort((a, b) => compareThings(a.key, b.key))
			.flatMap(e => e.data);
	}

	executeOnEveryNode(fn: (node: Entry) => void): void {
		for (const e of this.all()) fn(e);
	}

	getNumberOfKeys(): number {
		return this.entries.size + this.others.length;
	}

	private all(): Entry[] {
		return [...this.entries.values(), ...this.others];
	}
}

interface NedbIndexWithTree {
	unique: boolean;
	tree: unknown;
	insert(docs: unknown[]): void;
	reset(newData?: unknown[]): void;
}

/** Gives an index a KeyMap for its tree, now and on every reset, filed with `docs`. */
export function useKeyMap(index: NedbIndexWithTree, docs: unknown[]): void {
	index.reset = (newData?: unknown[]) => {
		index.tree = new KeyMap(index.unique);
		if (newData) index.insert(newData);
	};
	index.reset(docs);
}
