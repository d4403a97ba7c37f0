/** The categories in use with their product counts, without loading the products. */
import type { Store } from "../store";
import type { ProductDoc } from "./collections";

export interface CategoryCount {
	name: string;
	productCount: number;
}

/** Case-insensitive by name, then exact, so the order is the same on every database. */
export function compareCategoryNames(a: string, b: string): number {
	const la = a.toLowerCase();
	const lb = b.toLowerCase();
	if (la !== lb) return la < lb ? -1 : 1;
	return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Walks the category index one distinct value at a time (next category greater than the last,
 * then a count), so the cost grows with the number of categories, not of products.
 */
export async function listCategories(store: Store<ProductDoc>): Promise<CategoryCount[]> {
	const out: CategoryCount[] = [];
	let last: string | undefined;
	for (;;) {
		const [next] = await store.find({
			where: last === undefined ? {} : { category: { gt: last } },
			sort: [["category", "asc"]],
			limit: 1
		});
		if (!next) break;
		last = next.category;
		out.push({ name: last, productCount: await store.count({ category: last }) });
	}
	return out.sort((a, b) => compareCategoryNames(a.name, b.name));
}
