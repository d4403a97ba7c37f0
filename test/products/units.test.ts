/** The small pure parts of the products service. */
import type { ActionSchema, Context } from "moleculer";
import { paramsCacheKey } from "../../lib/products/cache-keygen";
import { compareCategoryNames } from "../../lib/products/categories";
import { buildListQuery } from "../../lib/products/list-query";
import { hasAtMostTwoDecimals } from "../../lib/products/price";

describe("products units", () => {
	it("accepts prices with at most two decimals, refuses float drift", () => {
		for (const ok of [19.99, 0.3, 0.1, 1, 100, 999999999.99, 0.01, 4.35]) expect(hasAtMostTwoDecimals(ok)).toBe(true);
		for (const bad of [1.005, 0.1 + 0.2, 1e-7, 2.999, Infinity, NaN]) expect(hasAtMostTwoDecimals(bad)).toBe(false);
	});

	it("builds the store query: exact cents at the price bounds, ties by id, page size capped", () => {
		expect(buildListQuery({ minPrice: 10.1, maxPrice: 19.99, sort: "-price", page: 3, pageSize: 500 })).toEqual({
			where: { priceMinor: { gte: 1010, lte: 1999 } },
			sort: [
				["priceMinor", "desc"],
				["id", "asc"]
			],
			limit: 100,
			offset: 200,
			page: 3,
			pageSize: 100
		});
		expect(buildListQuery({ q: "  Lamp ", category: "Lamps" }).where).toEqual({
			$or: [{ name: { contains: "Lamp" } }, { description: { contains: "Lamp" } }],
			category: "Lamps"
		});
		expect(buildListQuery({ minPrice: 10.001 }).where).toEqual({ priceMinor: { gte: 1001 } });
		expect(() => buildListQuery({ minPrice: 2, maxPrice: 1 })).toThrow(/minPrice/);
	});

	it("makes cache keys that crafted strings cannot collide, independent of key order", () => {
		const key = (params: Record<string, unknown>) =>
			paramsCacheKey({ name: "products.list" } as ActionSchema, undefined, { params } as unknown as Context);
		expect(key({ q: 'a"|"b' })).not.toBe(key({ q: "a", category: "b" }));
		expect(key({ q: "a", category: "b" })).toBe(key({ category: "b", q: "a" }));
		expect(key({ category: { $ne: "x" } })).not.toBe(key({ category: "[object Object]" }));
		expect(key({ q: "a" })).toMatch(/^products\.list:[\w-]{43}$/);
	});

	it("orders category names case-insensitively", () => {
		expect(["Toys", "audio", "Books", "books"].sort(compareCategoryNames)).toEqual(["audio", "Books", "books", "Toys"]);
	});
});
