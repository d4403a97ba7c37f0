/**
 * The catalog's state in the URL (`/?q=mug&category=kitchen&minPrice=5&sort=price&page=2`), so a
 * search can be bookmarked, shared and walked with the back button. Unknown or invalid values are
 * dropped rather than sent to the API; defaults are left out of the URL.
 */

export const SORTS = ["-createdAt", "price", "-price", "name", "-name"] as const;
export type Sort = (typeof SORTS)[number];

export const SORT_LABELS: Record<Sort, string> = {
	"-createdAt": "Newest",
	price: "Price: low to high",
	"-price": "Price: high to low",
	name: "Name: A to Z",
	"-name": "Name: Z to A"
};

export const PAGE_SIZE = 12;

export interface CatalogQuery {
	q: string;
	category: string;
	minPrice: number | null;
	maxPrice: number | null;
	sort: Sort;
	page: number;
}

export const DEFAULT_QUERY: CatalogQuery = { q: "", category: "", minPrice: null, maxPrice: null, sort: "-createdAt", page: 1 };

function price(value: string | null): number | null {
	if (value === null || value.trim() === "") return null;
	const n = Number(value);
	return Number.isFinite(n) && n >= 0 ? Math.round(n * 100) / 100 : null;
}

export function parseCatalogQuery(search: string): CatalogQuery {
	const p = new URLSearchParams(search);
	const sort = p.get("sort") as Sort | null;
	const page = Number(p.get("page"));
	let minPrice = price(p.get("minPrice"));
	let maxPrice = price(p.get("maxPrice"));
	// A reversed range is what the user meant the other way round.
	if (minPrice !== null && maxPrice !== null && minPrice > maxPrice) [minPrice, maxPrice] = [maxPrice, minPrice];
	return {
		q: (p.get("q") ?? "").trim().slice(0, 200),
		category: (p.get("category") ?? "").trim().slice(0, 100),
		minPrice,
		maxPrice,
		sort: sort && (SORTS as readonly string[]).includes(sort) ? sort : DEFAULT_QUERY.sort,
		page: Number.isInteger(page) && page >= 1 ? page : 1
	};
}

/** The query string for the page URL ("" for the defaults), in a stable order. */
export function catalogSearch(query: CatalogQuery): string {
	const p = new URLSearchParams();
	if (query.q) p.set("q", query.q);
	if (query.category) p.set("category", query.category);
	if (query.minPrice !== null) p.set("minPrice", String(query.minPrice));
	if (query.maxPrice !== null) p.set("maxPrice", String(query.maxPrice));
	if (query.sort !== DEFAULT_QUERY.sort) p.set("sort", query.sort);
	if (query.page > 1) p.set("page", String(query.page));
	const s = p.toString();
	return s ? `?${s}` : "";
}

/** The API path that lists this page of the catalog. */
export function productsPath(query: CatalogQuery): string {
	const p = new URLSearchParams(catalogSearch(query));
	p.set("sort", query.sort);
	p.set("page", String(query.page));
	p.set("pageSize", String(PAGE_SIZE));
	return `/products?${p.toString()}`;
}

/** A change of filters starts again at page 1; a page change keeps the filters. */
export function withFilters(query: CatalogQuery, change: Partial<Omit<CatalogQuery, "page">>): CatalogQuery {
	return { ...query, ...change, page: 1 };
}

export function pageCount(total: number): number {
	return Math.max(1, Math.ceil(total / PAGE_SIZE));
}
