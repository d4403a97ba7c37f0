/**
 * NeDB re-files an updated document in every index: a delete (linear in the documents sharing the
 * key) and an insert, even when the indexed value did not change, which is nearly always the case
 * (_id never changes; userId, orderId, createdAt almost never). Where the value is the same
 * scalar, swapping the stored reference for the new document gives the index NeDB's own result.
 * Everything else (changed values, arrays, objects, dates) still goes through NeDB's own update.
 */

interface Pair {
	oldDoc: Record<string, unknown>;
	newDoc: Record<string, unknown>;
}

export interface NedbIndex {
	fieldName: string;
	sparse: boolean;
	tree: { search(key: unknown): unknown[] };
	update(oldDoc: Pair[] | Pair["oldDoc"], newDoc?: Pair["newDoc"]): void;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { getDotValue } = require("@seald-io/nedb/lib/model.js") as { getDotValue(doc: unknown, field: string): unknown };

const isScalar = (v: unknown) => v === null || typeof v === "string" || typeof v === "number" || typeof v === "boolean";

function swap(index: NedbIndex, key: unknown, from: unknown, to: unknown): boolean {
	const data = index.tree.search(key);
	const at = data.indexOf(from);
	if (at < 0) return false;
	data[at] = to;
	return true;
}

export function swapUnchangedKeysInPlace(index: NedbIndex): void {
	const nedbUpdate = index.update.bind(index);
	index.update = (oldDoc, newDoc) => {
		const pairs: Pair[] = Array.isArray(oldDoc) ? oldDoc : [{ oldDoc, newDoc: newDoc! }];
		const swapped: Array<Pair & { key: unknown }> = [];
		const rest: Pair[] = [];
		for (const pair of pairs) {
			const key = getDotValue(pair.oldDoc, index.fieldName);
			const same = key === getDotValue(pair.newDoc, index.fieldName);
			if (same && key === undefined && index.sparse) continue; // in no index entry at all
			if (same && isScalar(key) && swap(index, key, pair.oldDoc, pair.newDoc)) swapped.push({ ...pair, key });
			else rest.push(pair);
		}
		if (!rest.length) return;
		try {
			nedbUpdate(rest);
		} catch (err) {
			// NeDB undid its own part; the datastore then reverts the other indexes, so undo ours too.
			for (const s of swapped) swap(index, s.key, s.newDoc, s.oldDoc);
			throw err;
		}
	};
}
