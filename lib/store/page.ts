/** One page of a list, in the API's list shape `{ items, total, page, pageSize }`. */
import type { Doc, Filter, SortSpec, Store } from "./types";

/** Newest first; ties by id so pages never overlap. */
export const NEWEST_FIRST: SortSpec = [
	["createdAt", "desc"],
	["id", "asc"]
];

/** Oldest first, for lists read in creation order. */
export const OLDEST_FIRST: SortSpec = [
	["createdAt", "asc"],
	["id", "asc"]
];

/**
 * A list not narrowed to one customer may hold every record of the shop (an admin's list of all
 * orders): its page and total are read off the event loop where the store can (ReadOptions).
 */
export async function findPage<T extends Doc, R>(
	store: Store<T>,
	where: Filter,
	page: number,
	pageSize: number,
	toPublic: (doc: T) => R,
	sort: SortSpec = NEWEST_FIRST
): Promise<{ items: R[]; total: number; page: number; pageSize: number }> {
	const { docs, total } = await store.findWithTotal(
		{ where, sort, offset: (page - 1) * pageSize, limit: pageSize },
		{ background: where.userId === undefined }
	);
	return { items: docs.map(toPublic), total, page, pageSize };
}
