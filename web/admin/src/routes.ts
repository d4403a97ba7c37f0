/**
 * The backoffice's pages and their URLs (under /admin), and list filters kept in the query string,
 * so a filtered list can be bookmarked, reloaded and shared. Pure: no DOM.
 */

export const BASE = "/admin";

export type RouteName =
	| "dashboard"
	| "login"
	| "products"
	| "product"
	| "productNew"
	| "inventory"
	| "orders"
	| "order"
	| "shipments"
	| "customers"
	| "notifications"
	| "logs"
	| "notFound";

export interface Route {
	name: RouteName;
	/** Path parameters (`id`). */
	params: Record<string, string>;
	query: URLSearchParams;
}

const PATTERNS: Array<[RouteName, RegExp]> = [
	["dashboard", /^\/?$/],
	["login", /^\/login\/?$/],
	["productNew", /^\/products\/new\/?$/],
	["product", /^\/products\/(?<id>[^/]+)\/?$/],
	["products", /^\/products\/?$/],
	["inventory", /^\/inventory\/?$/],
	["order", /^\/orders\/(?<id>[^/]+)\/?$/],
	["orders", /^\/orders\/?$/],
	["shipments", /^\/shipments\/?$/],
	["customers", /^\/customers\/?$/],
	["notifications", /^\/notifications\/?$/],
	["logs", /^\/logs\/?$/]
];

/** The route of a location's pathname and search (the pathname with or without the /admin base). */
export function matchRoute(pathname: string, search = ""): Route {
	const inner = pathname === BASE || pathname.startsWith(BASE + "/") ? pathname.slice(BASE.length) : pathname;
	const query = new URLSearchParams(search);
	for (const [name, re] of PATTERNS) {
		const m = re.exec(inner);
		if (m) {
			const params: Record<string, string> = {};
			for (const [k, v] of Object.entries(m.groups ?? {})) params[k] = decodeURIComponent(v);
			return { name, params, query };
		}
	}
	return { name: "notFound", params: {}, query };
}

export type Filters = Record<string, string | number | boolean | undefined | null>;

/** `/admin<path>?<filters>`, leaving out empty filters and page 1. */
export function href(path: string, filters: Filters = {}): string {
	const q = new URLSearchParams();
	for (const [k, v] of Object.entries(filters)) {
		if (v === undefined || v === null || v === "" || v === false) continue;
		if (k === "page" && Number(v) === 1) continue;
		q.set(k, String(v));
	}
	const s = q.toString();
	return BASE + (path.startsWith("/") ? path : "/" + path) + (s ? "?" + s : "");
}

/** The named filters of a query, as strings ("" when absent). */
export function readFilters<K extends string>(query: URLSearchParams, keys: readonly K[]): Record<K, string> {
	const out = {} as Record<K, string>;
	for (const k of keys) out[k] = query.get(k)?.trim() ?? "";
	return out;
}

/** The page number of a query: a positive integer, else 1. */
export function readPage(query: URLSearchParams): number {
	const n = Number(query.get("page"));
	return Number.isInteger(n) && n > 0 ? n : 1;
}

/** Where to go after signing in: a page of this app only (never another origin or the API). */
export function safeNext(next: string | null): string {
	if (!next || !next.startsWith(BASE) || next.startsWith("//")) return BASE + "/";
	const route = matchRoute(next.split("?")[0]);
	return route.name === "login" || route.name === "notFound" ? BASE + "/" : next;
}
