/**
 * The products service through the real gateway over HTTP, written once and run on each storage
 * backend (see products.*.test.ts). Tokens are minted directly (./tokens.ts), not obtained from
 * the users service; users-e2e.test.ts covers that path.
 */
import { randomUUID } from "node:crypto";
import type { Context, ServiceSchema } from "moleculer";
import type { DomainEvent } from "../../lib/events";
import type { Store } from "../../lib/store";
import type { ProductDoc } from "../../lib/products/collections";
import { seedCatalog } from "../../lib/products/seed";
import { DEMO_CATALOG } from "../../scripts/seed-data";
import { client, type Client, type HttpResult } from "../helpers/http";
import { startStack, type Stack } from "../helpers/stack";
import type { Backend, PreparedBackend } from "./backends";
import { CATEGORIES, buildCatalog, matchesQ, minor, sortProducts, type ApiProduct, type SortValue } from "./catalog-data";
import { adminToken, customerToken } from "./tokens";

const BASE = "/api/v1";

function expectErrorBody(res: HttpResult, status: number, type?: string) {
	expect(res.status).toBe(status);
	expect(res.body).toEqual({ error: expect.objectContaining({ type: expect.any(String), message: expect.any(String), code: status }) });
	if (type) expect(res.body.error.type).toBe(type);
	expect(JSON.stringify(res.body)).not.toMatch(/at .*\.(ts|js):\d+/);
}

/** The fields a 422 names. */
function failingFields(res: HttpResult): string[] {
	expectErrorBody(res, 422, "VALIDATION_ERROR");
	return (res.body.error.data as Array<{ field: string }>).map(d => d.field);
}

async function inPool<T, R>(items: T[], size: number, fn: (item: T) => Promise<R>): Promise<R[]> {
	const out: R[] = new Array(items.length);
	let next = 0;
	await Promise.all(
		Array.from({ length: size }, async () => {
			while (next < items.length) {
				const i = next++;
				out[i] = await fn(items[i]);
			}
		})
	);
	return out;
}

async function waitFor<T>(fn: () => T | undefined, timeoutMs = 3000): Promise<T> {
	const until = Date.now() + timeoutMs;
	for (;;) {
		const v = fn();
		if (v !== undefined) return v;
		if (Date.now() > until) throw new Error("condition not met in time");
		await new Promise(r => setTimeout(r, 20));
	}
}

/** A fresh database of the backend and a stack on it, for one describe block. */
function useStack(backend: Backend, extraServices: ServiceSchema[] = []) {
	const ctx: { stack: Stack; api: Client; prepared: PreparedBackend } = {} as never;
	beforeAll(async () => {
		ctx.prepared = await backend.prepare();
		ctx.stack = await startStack({
			services: ["api", "products"],
			env: { ...ctx.prepared.env, RATE_LIMIT_MAX: "1000000" },
			extraServices
		});
		ctx.api = client(ctx.stack.baseUrl);
	});
	afterAll(async () => {
		await ctx.stack?.stop();
		await ctx.prepared?.cleanup();
	});
	return ctx;
}

function productsStore(stack: Stack): Store<ProductDoc> {
	return (stack.broker.getLocalService("products") as unknown as { store(name: string): Store<ProductDoc> }).store("products");
}

export function productsSuite(backend: Backend) {
	const admin = adminToken();
	const customer = customerToken();

	describe("catalog queries over 222 products (expected results computed in the test)", () => {
		const s = useStack(backend);
		let all: ApiProduct[] = [];

		beforeAll(async () => {
			const inputs = buildCatalog();
			all = await inPool(inputs, backend.parallelWrites, async input => {
				const r = await s.api.post(`${BASE}/products`, input, { token: admin });
				if (r.status !== 201) throw new Error(`create failed: ${r.status} ${JSON.stringify(r.body)}`);
				return r.body as ApiProduct;
			});
		}, 60_000);

		/** Reads every page of a query; checks page sizes, page numbers and totals on the way. */
		async function readAll(query: Record<string, string | number>, pageSize: number): Promise<{ ids: string[]; total: number }> {
			const ids: string[] = [];
			let total = -1;
			for (let page = 1; ; page++) {
				const qs = new URLSearchParams(
					Object.entries({ ...query, page, pageSize }).map(([k, v]): [string, string] => [k, String(v)])
				);
				const r = await s.api.get(`${BASE}/products?${qs}`);
				expect(r.status).toBe(200);
				expect(r.body).toMatchObject({ page, pageSize });
				if (total < 0) total = r.body.total;
				expect(r.body.total).toBe(total);
				const expectedLength = Math.max(0, Math.min(pageSize, total - (page - 1) * pageSize));
				expect(r.body.items).toHaveLength(expectedLength);
				ids.push(...r.body.items.map((p: ApiProduct) => p.id));
				if (expectedLength < pageSize) break;
			}
			return { ids, total };
		}

		const ids = (list: ApiProduct[]) => list.map(p => p.id);

		it("lists everything, newest first by default, 20 per page", async () => {
			const r = await s.api.get(`${BASE}/products`);
			expect(r.status).toBe(200);
			expect(r.body.total).toBe(all.length);
			expect(r.body.page).toBe(1);
			expect(r.body.pageSize).toBe(20);
			expect(ids(r.body.items)).toEqual(ids(sortProducts(all, "-createdAt")).slice(0, 20));
		});

		it.each(["price", "-price", "name", "-name", "createdAt", "-createdAt"] as SortValue[])(
			"sorts by %s across page boundaries (ties broken by id)",
			async sort => {
				const got = await readAll({ sort }, 50);
				expect(got.total).toBe(all.length);
				expect(got.ids).toEqual(ids(sortProducts(all, sort)));
			}
		);

		it("pages: exact slices, the last partial page, an empty page past the end", async () => {
			const expected = ids(sortProducts(all, "price"));
			for (const [page, pageSize] of [
				[1, 7],
				[3, 7],
				[32, 7],
				[2, 100],
				[3, 100]
			]) {
				const r = await s.api.get(`${BASE}/products?sort=price&page=${page}&pageSize=${pageSize}`);
				expect(r.body.total).toBe(all.length);
				expect(ids(r.body.items)).toEqual(expected.slice((page - 1) * pageSize, page * pageSize));
			}
			const past = await s.api.get(`${BASE}/products?page=1000&pageSize=10`);
			expect(past.status).toBe(200);
			expect(past.body).toEqual({ items: [], total: all.length, page: 1000, pageSize: 10 });
		});

		it("caps pageSize at 100", async () => {
			const r = await s.api.get(`${BASE}/products?pageSize=1000`);
			expect(r.status).toBe(200);
			expect(r.body.pageSize).toBe(100);
			expect(r.body.items).toHaveLength(100);
		});

		it("filters by category (exact), with counts that add up", async () => {
			let sum = 0;
			for (const category of [...CATEGORIES, "lamps-extra"]) {
				const expected = sortProducts(
					all.filter(p => p.category === category),
					"-price"
				);
				const got = await readAll({ category, sort: "-price" }, 30);
				expect(got.total).toBe(expected.length);
				expect(got.ids).toEqual(ids(expected));
				sum += got.total;
			}
			expect(sum).toBe(all.length);
			expect((await s.api.get(`${BASE}/products?category=lamps`)).body.total).toBe(0);
		});

		it("filters by an inclusive price range, in exact cents", async () => {
			for (const [minPrice, maxPrice] of [
				[100, 200.5],
				[0.3, 0.3],
				[19.99, 100],
				[0, 0.01],
				[200.51, 999999.99]
			]) {
				const expected = sortProducts(
					all.filter(p => minor(p) >= Math.round(minPrice * 100) && minor(p) <= Math.round(maxPrice * 100)),
					"price"
				);
				expect(expected.length).toBeGreaterThan(0);
				const got = await readAll({ minPrice, maxPrice, sort: "price" }, 100);
				expect(got.ids).toEqual(ids(expected));
			}
			const onlyMin = await readAll({ minPrice: 250, sort: "name" }, 100);
			expect(onlyMin.ids).toEqual(
				ids(
					sortProducts(
						all.filter(p => minor(p) >= 25000),
						"name"
					)
				)
			);
			const onlyMax = await readAll({ maxPrice: 19.99, sort: "-name" }, 100);
			expect(onlyMax.ids).toEqual(
				ids(
					sortProducts(
						all.filter(p => minor(p) <= 1999),
						"-name"
					)
				)
			);
		});

		it("searches q in name and description, case-insensitively", async () => {
			for (const q of ["lamp", "LAMP", "walnut", "Amber Lamp", "item 1", "2.0 (beta) 100%"]) {
				const expected = sortProducts(
					all.filter(p => matchesQ(p, q)),
					"name"
				);
				expect(expected.length).toBeGreaterThan(0);
				const got = await readAll({ q, sort: "name" }, 100);
				expect(got.ids).toEqual(ids(expected));
			}
		});

		it("treats LIKE and regex metacharacters in q literally", async () => {
			for (const [q, count] of [
				["%", 1],
				["_", 1],
				[".*", 0],
				["(beta)", 1],
				["[x]", 1],
				["\\", 0]
			] as const) {
				const r = await s.api.get(`${BASE}/products?q=${encodeURIComponent(q)}`);
				expect(r.status).toBe(200);
				expect(r.body.total).toBe(count);
				expect(r.body.total).toBe(all.filter(p => matchesQ(p, q)).length);
			}
		});

		it("combines q, category, price range and sort", async () => {
			const expected = sortProducts(
				all.filter(p => matchesQ(p, "a") && p.category === "Kitchen" && minor(p) >= 1000 && minor(p) <= 40000),
				"-name"
			);
			const got = await readAll({ q: "a", category: "Kitchen", minPrice: 10, maxPrice: 400, sort: "-name" }, 10);
			expect(got.ids).toEqual(ids(expected));
		});

		it("shows prices exactly as they were sent", async () => {
			const got = await readAll({ sort: "price" }, 100);
			const byId = new Map(all.map(p => [p.id, p]));
			expect(got.ids).toHaveLength(all.length);
			const r = await s.api.get(`${BASE}/products?pageSize=100&minPrice=19.99&maxPrice=19.99`);
			for (const p of r.body.items as ApiProduct[]) {
				expect(p.price).toBe(19.99);
				expect(byId.get(p.id)?.price).toBe(19.99);
			}
			const stored = await productsStore(s.stack).find({ where: { priceMinor: 1999 } });
			expect(stored.length).toBe(r.body.total);
			expect(stored.every(d => Number.isInteger(d.priceMinor) && d.priceMinor === 1999)).toBe(true);
		});

		it("lists categories with product counts, sorted by name case-insensitively", async () => {
			const counts = new Map<string, number>();
			for (const p of all) counts.set(p.category, (counts.get(p.category) ?? 0) + 1);
			const expected = [...counts.entries()]
				.map(([name, productCount]) => ({ name, productCount }))
				.sort((a, b) => (a.name.toLowerCase() < b.name.toLowerCase() ? -1 : 1));
			const r = await s.api.get(`${BASE}/categories`);
			expect(r.status).toBe(200);
			expect(r.body).toEqual(expected);
			expect(r.body.map((c: { name: string }) => c.name)).toEqual([
				"audio",
				"Books",
				"Garden",
				"Kitchen",
				"Lamps",
				"lamps-extra",
				"Toys"
			]);
		});
	});

	describe("lifecycle, auth, validation, cache and events", () => {
		const events: DomainEvent<Record<string, unknown>>[] = [];
		const cleanBroadcasts: string[] = [];
		const probe: ServiceSchema = {
			name: "probe",
			events: {
				"product.*"(ctx: Context<DomainEvent<Record<string, unknown>>>) {
					// No inventory runs here, so the outbox delivers product.created again until one does
					// (CONSUMERS in lib/messaging/routes.ts): counted once by id, as an idempotent consumer would.
					if (!events.some(e => e.id === ctx.params.id)) events.push(ctx.params);
				},
				"cache.clean.products"(ctx: Context) {
					cleanBroadcasts.push(ctx.nodeID ?? "");
				}
			}
		};
		const s = useStack(backend, [probe]);
		const eventsOf = (type: string, subject: string) => events.filter(e => e.type === type && e.subject === subject);

		const create = (body: Record<string, unknown>, token = admin, headers?: Record<string, string>) =>
			s.api.post(`${BASE}/products`, body, { token, headers });

		describe("CRUD as admin", () => {
			let product: ApiProduct;

			it("creates: 201, the public shape, a Location header, stock echoed", async () => {
				const r = await create({
					name: "Desk Lamp",
					description: "Warm light",
					price: 19.99,
					category: "Lamps",
					sku: `LAMP-${randomUUID().slice(0, 8)}`,
					images: ["https://img.example/lamp.png"],
					stock: 12
				});
				expect(r.status).toBe(201);
				product = r.body;
				expect(product).toEqual({
					id: expect.any(String),
					name: "Desk Lamp",
					description: "Warm light",
					price: 19.99,
					currency: "EUR",
					category: "Lamps",
					sku: expect.stringMatching(/^LAMP-/),
					images: ["https://img.example/lamp.png"],
					stock: 12,
					createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
					updatedAt: product.createdAt
				});
				expect(r.headers.get("location")).toBe(`/api/v1/products/${product.id}`);
				expect(Object.keys(product)).not.toContain("priceMinor");
				expect(Object.keys(product)).not.toContain("nameLower");
			});

			it("applies defaults: description '', currency EUR, category uncategorized, no sku, no images", async () => {
				const r = await create({ name: "Plain", price: 1 });
				expect(r.status).toBe(201);
				expect(r.body).toMatchObject({ description: "", currency: "EUR", category: "uncategorized", images: [] });
				expect(r.body).not.toHaveProperty("sku");
				expect(r.body).not.toHaveProperty("stock");
				const other = await create({ name: "Plain too", price: 2, currency: "USD" });
				expect(other.status).toBe(201);
				expect(other.body.currency).toBe("USD");
			});

			it("reads it back publicly (no token), without stock", async () => {
				const r = await s.api.get(`${BASE}/products/${product.id}`);
				expect(r.status).toBe(200);
				const { stock: _stock, ...stored } = product as ApiProduct & { stock?: number };
				expect(r.body).toEqual(stored);
				// The unversioned compatibility routes reach the same actions.
				expect((await s.api.get(`/api/products/${product.id}`)).body).toEqual(stored);
			});

			it("updates partially: only the given fields change, updatedAt moves", async () => {
				await new Promise(r => setTimeout(r, 5));
				const r = await s.api.put(`${BASE}/products/${product.id}`, { price: 24.5, description: "Warmer light" }, { token: admin });
				expect(r.status).toBe(200);
				expect(r.body).toMatchObject({
					id: product.id,
					name: "Desk Lamp",
					price: 24.5,
					description: "Warmer light",
					category: "Lamps"
				});
				expect(r.body.createdAt).toBe(product.createdAt);
				expect(r.body.updatedAt > product.updatedAt).toBe(true);
				const again = await s.api.get(`${BASE}/products/${product.id}`);
				expect(again.body).toEqual(r.body);
			});

			it("deletes: 204 with no body, then 404 everywhere", async () => {
				const r = await s.api.del(`${BASE}/products/${product.id}`, { token: admin });
				expect(r.status).toBe(204);
				expect(r.body).toBeUndefined();
				expectErrorBody(await s.api.get(`${BASE}/products/${product.id}`), 404, "NOT_FOUND");
				expectErrorBody(await s.api.put(`${BASE}/products/${product.id}`, { price: 1 }, { token: admin }), 404, "NOT_FOUND");
				expectErrorBody(await s.api.del(`${BASE}/products/${product.id}`, { token: admin }), 404, "NOT_FOUND");
			});

			it("answers 404 for an id that never existed", async () => {
				expectErrorBody(await s.api.get(`${BASE}/products/${randomUUID()}`), 404, "NOT_FOUND");
				expectErrorBody(
					await s.api.patch(`${BASE}/products/${randomUUID()}/stock`, { delta: 1 }, { token: admin }),
					404,
					"NOT_FOUND"
				);
			});
		});

		describe("auth", () => {
			let id: string;
			beforeAll(async () => {
				id = (await create({ name: "Guarded", price: 5 })).body.id;
			});

			it("refuses anonymous writes with 401", async () => {
				expectErrorBody(await s.api.post(`${BASE}/products`, { name: "x", price: 1 }), 401);
				expectErrorBody(await s.api.put(`${BASE}/products/${id}`, { price: 1 }), 401);
				expectErrorBody(await s.api.del(`${BASE}/products/${id}`), 401);
				expectErrorBody(await s.api.patch(`${BASE}/products/${id}/stock`, { delta: 1 }), 401);
			});

			it("refuses customer writes with 403", async () => {
				expectErrorBody(await s.api.post(`${BASE}/products`, { name: "x", price: 1 }, { token: customer }), 403, "FORBIDDEN");
				expectErrorBody(await s.api.put(`${BASE}/products/${id}`, { price: 1 }, { token: customer }), 403, "FORBIDDEN");
				expectErrorBody(await s.api.del(`${BASE}/products/${id}`, { token: customer }), 403, "FORBIDDEN");
				expectErrorBody(await s.api.patch(`${BASE}/products/${id}/stock`, { delta: 1 }, { token: customer }), 403, "FORBIDDEN");
				expect((await s.api.get(`${BASE}/products/${id}`)).body.price).toBe(5);
			});

			it("lets customers and anonymous clients read", async () => {
				for (const token of [undefined, customer]) {
					expect((await s.api.get(`${BASE}/products/${id}`, { token })).status).toBe(200);
					expect((await s.api.get(`${BASE}/products`, { token })).status).toBe(200);
					expect((await s.api.get(`${BASE}/categories`, { token })).status).toBe(200);
				}
			});
		});

		describe("validation", () => {
			let id: string;
			beforeAll(async () => {
				id = (await create({ name: "Valid", price: 5 })).body.id;
			});

			it.each([
				["a negative price", { name: "x", price: -1 }, "price"],
				["a zero price", { name: "x", price: 0 }, "price"],
				["a price with 3 decimals", { name: "x", price: 1.005 }, "price"],
				["a float-drift price (0.1 + 0.2)", { name: "x", price: 0.1 + 0.2 }, "price"],
				["a price as a string", { name: "x", price: "19.99" }, "price"],
				["a missing name", { price: 1 }, "name"],
				["a blank name", { name: "   ", price: 1 }, "name"],
				["a name that is not a string", { name: 42, price: 1 }, "name"],
				["a name over 200 characters", { name: "x".repeat(201), price: 1 }, "name"],
				["a missing price", { name: "x" }, "price"],
				["a lower-case currency", { name: "x", price: 1, currency: "eur" }, "currency"],
				["images that are not URLs", { name: "x", price: 1, images: ["not a url"] }, "images[0]"],
				["an image URL with a space", { name: "x", price: 1, images: ["https://i.example/a b.png"] }, "images[0]"],
				["a javascript: image URL", { name: "x", price: 1, images: ["javascript:alert(1)"] }, "images[0]"],
				[
					"more than 20 images",
					{ name: "x", price: 1, images: Array.from({ length: 21 }, (_, i) => `https://i.example/${i}.png`) },
					"images"
				],
				["images as a string", { name: "x", price: 1, images: "https://i.example/1.png" }, "images"],
				["a sku with spaces", { name: "x", price: 1, sku: "A B" }, "sku"],
				["a negative stock", { name: "x", price: 1, stock: -1 }, "stock"],
				["a fractional stock", { name: "x", price: 1, stock: 1.5 }, "stock"],
				["an unknown field", { name: "x", price: 1, colour: "red" }, "colour"],
				["a NoSQL operator object as name", { name: { $gt: "" }, price: 1 }, "name"],
				["a NoSQL operator object as category", { name: "x", price: 1, category: { $ne: null } }, "category"],
				["a NoSQL operator object as sku", { name: "x", price: 1, sku: { $exists: true } }, "sku"]
			])("refuses %s on create with a 422 naming the field", async (_label, body, field) => {
				const before = (await s.api.get(`${BASE}/products?pageSize=1`)).body.total;
				const r = await create(body as Record<string, unknown>);
				expect(failingFields(r)).toContain(field);
				expect((await s.api.get(`${BASE}/products?pageSize=1`)).body.total).toBe(before);
			});

			it.each([
				["a 3-decimal price", { price: 2.999 }, "price"],
				["a negative price", { price: -5 }, "price"],
				["an empty name", { name: "" }, "name"],
				["an unknown field", { colour: "red" }, "colour"],
				["stock (adjusted through PATCH /stock only)", { stock: 3 }, "stock"],
				["a NoSQL operator object", { category: { $ne: "x" } }, "category"]
			])("refuses %s on update with a 422", async (_label, body, field) => {
				const r = await s.api.put(`${BASE}/products/${id}`, body, { token: admin });
				expect(failingFields(r)).toContain(field);
				expect((await s.api.get(`${BASE}/products/${id}`)).body).toMatchObject({ name: "Valid", price: 5 });
			});

			it.each([
				["category[$ne]=x", "category"],
				["category[$gt]=", "category"],
				["q[$regex]=.*", "q"],
				["q=a&q=b", "q"],
				["minPrice[$gt]=0", "minPrice"],
				["maxPrice=abc", "maxPrice"],
				["minPrice=-1", "minPrice"],
				["sort[$ne]=x", "sort"],
				["sort=price:asc", "sort"],
				["page=0", "page"],
				["page=1.5", "page"],
				["pageSize=0", "pageSize"],
				["minPrice=10&maxPrice=5", "minPrice"],
				[`q=${"x".repeat(201)}`, "q"],
				["limit=5", "limit"]
			])("refuses the query string %s with a 422 naming the field", async (query, field) => {
				const r = await s.api.get(`${BASE}/products?${query}`);
				expect(failingFields(r)).toContain(field);
			});

			it("refuses a PATCH /stock without exactly one of delta and onHand", async () => {
				expect(failingFields(await s.api.patch(`${BASE}/products/${id}/stock`, {}, { token: admin }))).toContain("delta");
				expect(
					failingFields(await s.api.patch(`${BASE}/products/${id}/stock`, { delta: 1, onHand: 2 }, { token: admin }))
				).toContain("delta");
				expect(failingFields(await s.api.patch(`${BASE}/products/${id}/stock`, { onHand: -1 }, { token: admin }))).toContain(
					"onHand"
				);
				expect(failingFields(await s.api.patch(`${BASE}/products/${id}/stock`, { delta: "5" }, { token: admin }))).toContain(
					"delta"
				);
				expect(failingFields(await s.api.patch(`${BASE}/products/${id}/stock`, { delta: 0 }, { token: admin }))).toContain("delta");
			});
		});

		describe("sku", () => {
			it("allows many products without a sku", async () => {
				for (let i = 0; i < 3; i++) expect((await create({ name: `No sku ${i}`, price: 1 })).status).toBe(201);
			});

			(backend.enforcesUniqueSku ? it : it.skip)("refuses a duplicate sku with 409, on create and on update", async () => {
				const sku = `DUP-${randomUUID().slice(0, 8)}`;
				expect((await create({ name: "First", price: 1, sku })).status).toBe(201);
				expectErrorBody(await create({ name: "Second", price: 1, sku }), 409, "DUPLICATE_SKU");
				const other = await create({ name: "Other", price: 1, sku: `${sku}-B` });
				expectErrorBody(await s.api.put(`${BASE}/products/${other.body.id}`, { sku }, { token: admin }), 409, "DUPLICATE_SKU");
				expect((await s.api.get(`${BASE}/products/${other.body.id}`)).body.sku).toBe(`${sku}-B`);
				const same = await s.api.put(`${BASE}/products/${other.body.id}`, { sku: `${sku}-B`, name: "Renamed" }, { token: admin });
				expect(same.status).toBe(200);
			});
		});

		describe("money", () => {
			it.each([19.99, 0.3, 0.1, 1234567.89, 999999.99, 0.01, 100])(
				"keeps %p exact through create, get, list and storage",
				async price => {
					const r = await create({ name: `Money ${price}`, price, category: `money-${price}` });
					expect(r.status).toBe(201);
					expect(r.body.price).toBe(price);
					expect((await s.api.get(`${BASE}/products/${r.body.id}`)).body.price).toBe(price);
					const list = await s.api.get(`${BASE}/products?category=money-${price}&minPrice=${price}&maxPrice=${price}`);
					expect(list.body.items.map((p: ApiProduct) => p.price)).toEqual([price]);
					const stored = await productsStore(s.stack).findById(r.body.id);
					expect(stored?.priceMinor).toBe(Math.round(price * 100));
					expect(Number.isInteger(stored?.priceMinor)).toBe(true);
				}
			);

			it("keeps an updated price exact (0.1 + 0.2 style sums never appear)", async () => {
				const r = await create({ name: "Sum", price: 0.1 });
				const u = await s.api.put(`${BASE}/products/${r.body.id}`, { price: 0.3 }, { token: admin });
				expect(u.body.price).toBe(0.3);
				expect((await productsStore(s.stack).findById(r.body.id))?.priceMinor).toBe(30);
			});
		});

		describe("cache invalidation", () => {
			it("serves a changed product fresh after an update (and after a delete)", async () => {
				const r = await create({ name: "Cached", price: 10 });
				const id = r.body.id;
				expect((await s.api.get(`${BASE}/products/${id}`)).body.price).toBe(10);
				expect((await s.api.get(`${BASE}/products/${id}`)).body.price).toBe(10);
				await s.api.put(`${BASE}/products/${id}`, { price: 11 }, { token: admin });
				expect((await s.api.get(`${BASE}/products/${id}`)).body.price).toBe(11);
				await s.api.del(`${BASE}/products/${id}`, { token: admin });
				expect((await s.api.get(`${BASE}/products/${id}`)).status).toBe(404);
			});

			it("shows a new product in lists and categories right after it is created", async () => {
				const category = `fresh-${randomUUID().slice(0, 6)}`;
				const list = async () => (await s.api.get(`${BASE}/products?category=${category}`)).body;
				const all = async () => (await s.api.get(`${BASE}/products?pageSize=1`)).body.total;
				const categories = async () =>
					(await s.api.get(`${BASE}/categories`)).body as Array<{ name: string; productCount: number }>;
				expect((await list()).total).toBe(0);
				const totalBefore = await all();
				expect((await categories()).find(c => c.name === category)).toBeUndefined();
				const created = await create({ name: "Newcomer", price: 3, category });
				expect((await list()).items.map((p: ApiProduct) => p.id)).toEqual([created.body.id]);
				expect(await all()).toBe(totalBefore + 1);
				expect((await categories()).find(c => c.name === category)).toEqual({ name: category, productCount: 1 });
				await s.api.del(`${BASE}/products/${created.body.id}`, { token: admin });
				expect((await list()).total).toBe(0);
				expect((await categories()).find(c => c.name === category)).toBeUndefined();
			});

			it("really caches reads, and cleans every node's cache on the cache.clean.products broadcast", async () => {
				const r = await create({ name: "Behind the cache", price: 7 });
				const id = r.body.id;
				expect((await s.api.get(`${BASE}/products/${id}`)).body.price).toBe(7);
				// A change the service does not know about (another node's write) stays invisible...
				await productsStore(s.stack).updateById(id, { set: { priceMinor: 800 } });
				expect((await s.api.get(`${BASE}/products/${id}`)).body.price).toBe(7);
				// ...until the broadcast every writer sends reaches this node.
				await s.stack.broker.broadcast("cache.clean.products");
				expect((await s.api.get(`${BASE}/products/${id}`)).body.price).toBe(8);
			});

			it("broadcasts cache.clean.products after each write", async () => {
				const before = cleanBroadcasts.length;
				const r = await create({ name: "Broadcaster", price: 1 });
				await s.api.put(`${BASE}/products/${r.body.id}`, { price: 2 }, { token: admin });
				await s.api.del(`${BASE}/products/${r.body.id}`, { token: admin });
				await waitFor(() => (cleanBroadcasts.length >= before + 3 ? true : undefined));
			});
		});

		describe("events", () => {
			it("emits product.created with the envelope, the request id as correlation id, and the initial stock", async () => {
				const requestId = `req-${randomUUID()}`;
				const r = await create({ name: "Evented", price: 12.34, category: "Events", stock: 7 }, admin, {
					"x-request-id": requestId
				});
				const [event] = await waitFor(() => {
					const found = eventsOf("product.created", r.body.id);
					return found.length ? found : undefined;
				});
				expect(event).toEqual({
					specversion: "1.0",
					id: expect.stringMatching(/^[0-9a-f-]{36}$/),
					source: "products",
					type: "product.created",
					time: expect.stringMatching(/Z$/),
					subject: r.body.id,
					datacontenttype: "application/json",
					correlationid: requestId,
					data: { ...r.body, stock: 7 }
				});
				expect(Number.isNaN(Date.parse(event.time))).toBe(false);
				expect(eventsOf("product.created", r.body.id)).toHaveLength(1);
			});

			it("emits product.updated with the new state, and nothing when nothing changed", async () => {
				const r = await create({ name: "Evented 2", price: 1 });
				const u = await s.api.put(`${BASE}/products/${r.body.id}`, { price: 2, name: "Evented 2b" }, { token: admin });
				const [event] = await waitFor(() => {
					const found = eventsOf("product.updated", r.body.id);
					return found.length ? found : undefined;
				});
				expect(event).toMatchObject({
					specversion: "1.0",
					source: "products",
					type: "product.updated",
					subject: r.body.id,
					data: u.body
				});
				expect(event.data).not.toHaveProperty("stock");
				const same = await s.api.put(`${BASE}/products/${r.body.id}`, { price: 2 }, { token: admin });
				expect(same.status).toBe(200);
				expect(same.body).toEqual(u.body);
				await new Promise(res => setTimeout(res, 100));
				expect(eventsOf("product.updated", r.body.id)).toHaveLength(1);
			});

			it("emits product.deleted with the last state", async () => {
				const r = await create({ name: "Evented 3", price: 1 });
				await s.api.del(`${BASE}/products/${r.body.id}`, { token: admin });
				const [event] = await waitFor(() => {
					const found = eventsOf("product.deleted", r.body.id);
					return found.length ? found : undefined;
				});
				expect(event).toMatchObject({ type: "product.deleted", source: "products", subject: r.body.id, data: r.body });
			});

			it("emits nothing for refused writes", async () => {
				const before = events.length;
				await create({ name: "x", price: -1 });
				await create({ name: "x", price: 1 }, customer);
				await new Promise(res => setTimeout(res, 100));
				expect(events.length).toBe(before);
			});
		});

		describe("PATCH /products/:id/stock (through inventory)", () => {
			it("answers 503 while no inventory service runs", async () => {
				const r = await create({ name: "Stocked", price: 1 });
				const res = await s.api.patch(`${BASE}/products/${r.body.id}/stock`, { delta: 5 }, { token: admin });
				expectErrorBody(res, 503, "SERVICE_UNAVAILABLE");
			});

			it("hands the adjustment to inventory.adjust and answers with its result", async () => {
				const calls: Array<{ params: unknown; user: unknown }> = [];
				const fake = s.stack.broker.createService({
					name: "inventory",
					actions: {
						adjust(ctx: Context<{ productId: string; delta?: number; onHand?: number }, { user?: unknown }>) {
							calls.push({ params: ctx.params, user: ctx.meta.user });
							return { productId: ctx.params.productId, onHand: ctx.params.onHand ?? 10 + (ctx.params.delta ?? 0) };
						}
					}
				});
				try {
					await s.stack.broker.waitForServices(["inventory"], 5000);
					const r = await create({ name: "Stocked 2", price: 1 });
					const res = await s.api.patch(
						`${BASE}/products/${r.body.id}/stock`,
						{ delta: -3, reason: "broken in transit" },
						{ token: admin }
					);
					expect(res.status).toBe(200);
					expect(res.body).toEqual({ productId: r.body.id, onHand: 7 });
					const set = await s.api.patch(`${BASE}/products/${r.body.id}/stock`, { onHand: 40 }, { token: admin });
					expect(set.body).toEqual({ productId: r.body.id, onHand: 40 });
					expect(calls.map(c => c.params)).toEqual([
						{ productId: r.body.id, delta: -3, reason: "broken in transit" },
						{ productId: r.body.id, onHand: 40, reason: "admin adjustment" }
					]);
					expect(calls[0].user).toMatchObject({ roles: ["admin"] });
				} finally {
					await s.stack.broker.destroyService(fake);
				}
			});
		});

		describe("seed", () => {
			it("is idempotent: the second run creates and changes nothing, an edited product is restored", async () => {
				const total = async () => (await s.api.get(`${BASE}/products?pageSize=1`)).body.total as number;
				const before = await total();
				const createdEvents = events.filter(e => e.type === "product.created").length;

				const first = await seedCatalog(s.stack.broker, DEMO_CATALOG);
				expect(DEMO_CATALOG.length).toBeGreaterThanOrEqual(50);
				expect(new Set(DEMO_CATALOG.map(p => p.category)).size).toBeGreaterThanOrEqual(5);
				expect(first).toEqual({ created: DEMO_CATALOG.length, updated: 0, unchanged: 0 });
				expect(await total()).toBe(before + DEMO_CATALOG.length);
				await waitFor(() =>
					events.filter(e => e.type === "product.created").length === createdEvents + DEMO_CATALOG.length ? true : undefined
				);
				const withStock = events.find(e => e.type === "product.created" && e.data.sku === DEMO_CATALOG[0].sku);
				expect(withStock?.data.stock).toBe(DEMO_CATALOG[0].stock);

				const second = await seedCatalog(s.stack.broker, DEMO_CATALOG);
				expect(second).toEqual({ created: 0, updated: 0, unchanged: DEMO_CATALOG.length });
				expect(await total()).toBe(before + DEMO_CATALOG.length);

				const seeded = (await s.api.get(`${BASE}/products?q=${encodeURIComponent(DEMO_CATALOG[0].name)}`)).body
					.items[0] as ApiProduct;
				expect(seeded).toMatchObject({
					sku: DEMO_CATALOG[0].sku,
					price: DEMO_CATALOG[0].price,
					category: DEMO_CATALOG[0].category
				});
				await s.api.put(`${BASE}/products/${seeded.id}`, { price: 1 }, { token: admin });
				const third = await seedCatalog(s.stack.broker, DEMO_CATALOG);
				expect(third).toEqual({ created: 0, updated: 1, unchanged: DEMO_CATALOG.length - 1 });
				expect((await s.api.get(`${BASE}/products/${seeded.id}`)).body.price).toBe(DEMO_CATALOG[0].price);
				expect(await total()).toBe(before + DEMO_CATALOG.length);
			});
		});
	});
}
