/** The catalog's URL state: parsed leniently, written canonically, and turned into the API query. */
import {
	DEFAULT_QUERY,
	catalogSearch,
	pageCount,
	parseCatalogQuery,
	productsPath,
	withFilters
} from "../../web/storefront/src/catalog-query";

describe("catalog URL state", () => {
	it("round-trips every filter through the URL", () => {
		const query = { q: "blue mug", category: "kitchen", minPrice: 5, maxPrice: 20.5, sort: "price" as const, page: 3 };
		const search = catalogSearch(query);
		expect(search).toBe("?q=blue+mug&category=kitchen&minPrice=5&maxPrice=20.5&sort=price&page=3");
		expect(parseCatalogQuery(search)).toEqual(query);
	});

	it("leaves the defaults out of the URL", () => {
		expect(catalogSearch(DEFAULT_QUERY)).toBe("");
		expect(parseCatalogQuery("")).toEqual(DEFAULT_QUERY);
	});

	it("drops what the API would refuse: unknown sort, bad page, negative or non-numeric prices", () => {
		expect(parseCatalogQuery("?sort=drop+table&page=-2&minPrice=abc&maxPrice=-1")).toEqual(DEFAULT_QUERY);
		expect(parseCatalogQuery("?page=2.5").page).toBe(1);
		expect(parseCatalogQuery("?minPrice=1.239").minPrice).toBe(1.24);
	});

	it("swaps a reversed price range", () => {
		const q = parseCatalogQuery("?minPrice=50&maxPrice=10");
		expect([q.minPrice, q.maxPrice]).toEqual([10, 50]);
	});

	it("starts again at page 1 when a filter changes", () => {
		const q = parseCatalogQuery("?q=mug&page=4");
		expect(withFilters(q, { category: "kitchen" })).toEqual({ ...q, category: "kitchen", page: 1 });
	});

	it("asks the API for exactly one page, with the sort always explicit", () => {
		expect(productsPath(parseCatalogQuery("?q=mug&page=2"))).toBe("/products?q=mug&page=2&sort=-createdAt&pageSize=12");
		expect(pageCount(0)).toBe(1);
		expect(pageCount(25)).toBe(3);
	});
});
