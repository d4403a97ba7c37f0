/** Translates the neutral filter and update into MongoDB query language (also NeDB's). */
import type { Comparison, Condition, Filter, Update } from "./types";

function escapeRegex(s: string): string {
	return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function isComparison(c: Condition): c is Comparison {
	return c !== null && typeof c === "object";
}

function condition(c: Condition): unknown {
	if (!isComparison(c)) return c;
	// NeDB has no $eq: a plain value is equality on both NeDB and MongoDB.
	if ("eq" in c && Object.keys(c).length === 1) return c.eq;
	const out: Record<string, unknown> = {};
	if ("eq" in c) out.$in = [c.eq];
	if ("ne" in c) out.$ne = c.ne;
	if (c.gt !== undefined) out.$gt = c.gt;
	if (c.gte !== undefined) out.$gte = c.gte;
	if (c.lt !== undefined) out.$lt = c.lt;
	if (c.lte !== undefined) out.$lte = c.lte;
	if (c.in !== undefined) out.$in = c.in;
	if (c.contains !== undefined) out.$regex = new RegExp(escapeRegex(c.contains), "i");
	return out;
}

/** `idField` is where the entity id lives in the database ("_id" for NeDB and MongoDB). */
export function toMongoFilter(where: Filter | undefined, idField = "_id"): Record<string, unknown> {
	const out: Record<string, unknown> = {};
	if (!where) return out;
	for (const [field, value] of Object.entries(where)) {
		if (value === undefined) continue;
		if (field === "$or") {
			out.$or = (value as Filter[]).map(f => toMongoFilter(f, idField));
			continue;
		}
		out[field === "id" ? idField : field] = condition(value as Condition);
	}
	return out;
}

export function toMongoUpdate(update: Update): Record<string, unknown> {
	const out: Record<string, unknown> = {};
	if (update.set && Object.keys(update.set).length) out.$set = update.set;
	if (update.inc && Object.keys(update.inc).length) out.$inc = update.inc;
	return out;
}
