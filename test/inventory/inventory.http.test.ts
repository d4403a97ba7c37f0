/**
 * The inventory service through the real gateway over HTTP (embedded store), with the real
 * products service emitting product.created; internal actions through the broker.
 * Admin and customer tokens are minted in ./helpers.ts with signAccessToken and the JWT_SECRET
 * fixed by test/setup-env.js.
 */
import { randomUUID } from "node:crypto";
import type { ServiceSchema } from "moleculer";
import { createEvent } from "../../lib/events";
import { NotFoundError } from "../../lib/errors";
import { client, type Client } from "../helpers/http";
import { waitFor } from "../helpers/processes";
import { startStack, type Stack } from "../helpers/stack";
import {
	BASE,
	adminToken,
	allMovements,
	customerToken,
	eventProbe,
	expectErrorBody,
	expectHistoryAddsUp,
	productCreated,
	relayed,
	type Item,
	type MovementRow
} from "./helpers";

describe("inventory over HTTP (all-in-one, embedded store)", () => {
	let stack: Stack;
	let api: Client;
	let events: Awaited<ReturnType<typeof eventProbe>>;
	const adminId = randomUUID();
	const admin = adminToken(adminId);
	const customer = customerToken();
	/** Orders stands in as a status table: the admin's reservation doors look an order up first. */
	const orderStatuses = new Map<string, string>();
	const fakeOrders: ServiceSchema = {
		name: "orders",
		actions: {
			get(ctx) {
				const status = orderStatuses.get((ctx.params as { id: string }).id);
				if (!status) throw new NotFoundError("Order", (ctx.params as { id: string }).id);
				return { id: (ctx.params as { id: string }).id, status };
			}
		}
	};

	beforeAll(async () => {
		stack = await startStack({ services: ["api", "inventory", "products"], extraServices: [fakeOrders] });
		api = client(stack.baseUrl);
		events = await eventProbe(stack.broker, ["inventory.created", "inventory.adjusted", "inventory.low_stock", "inventory.reserved"]);
	});
	afterAll(() => stack?.stop());

	const call = <T = any>(action: string, params: object) => stack.broker.call(`inventory.${action}`, params) as Promise<T>;
	const createProduct = async (stock?: number) => {
		const res = await api.post(
			`${BASE}/products`,
			{ name: `Lamp ${randomUUID().slice(0, 6)}`, price: 19.99, ...(stock === undefined ? {} : { stock }) },
			{ token: admin }
		);
		expect(res.status).toBe(201);
		const productId = res.body.id as string;
		// product.created reaches inventory asynchronously (emitters do not wait for listeners).
		await waitFor("inventory item", async () => byProduct(productId).catch(() => null), 5000, 20);
		return productId;
	};
	const byProduct = (productId: string) => call<Item>("getByProduct", { productId });
	/** A product in the catalogue whose item inventory lost (removed through the Store contract), as after a missed product.created. */
	const productWithoutItem = async () => {
		const productId = await createProduct();
		const inventory = stack.broker.getLocalService("inventory") as unknown as {
			inventory(): { stock: { items: { removeById(id: string): Promise<boolean> } } };
		};
		expect(await inventory.inventory().stock.items.removeById((await byProduct(productId)).id)).toBe(true);
		return productId;
	};
	const alertsFor = (itemId: string) => events.of("inventory.low_stock", itemId);
	/** An item's low-stock alerts once the events recorded so far went out (after the answer). */
	const alertsAfterRelay = async (itemId: string) => {
		await relayed();
		return alertsFor(itemId);
	};

	describe("auto-creation on product.created", () => {
		it.each([
			[100, 100, 10],
			[57, 57, 6],
			[20, 20, 5],
			[3, 3, 5],
			[0, 0, 5],
			[undefined, 0, 5]
		])("a product created with stock %p gets onHand %p and threshold max(5, ceil(10%%)) = %p", async (stock, onHand, threshold) => {
			const productId = await createProduct(stock);
			const item = await byProduct(productId);
			expect(item).toEqual({
				id: expect.any(String),
				productId,
				onHand,
				reserved: 0,
				available: onHand,
				lowStockThreshold: threshold,
				updatedAt: expect.any(String)
			});
			await waitFor("inventory.created", async () => events.of("inventory.created", item.id).length > 0, 5000, 20);
			expect(events.of("inventory.created", item.id).map(e => e.data)).toEqual([item]);
			expect(events.of("inventory.created", item.id)[0]).toMatchObject({
				specversion: "1.0",
				source: "inventory",
				type: "inventory.created"
			});
		});

		it("is idempotent: a redelivered or repeated product.created creates nothing twice", async () => {
			const productId = randomUUID();
			const event = createEvent("products", "product.created", productId, { id: productId, name: "Desk", stock: 12 });
			await Promise.all([stack.broker.emit("product.created", event), stack.broker.emit("product.created", event)]);
			await stack.broker.emit("product.created", event);
			await stack.broker.emit("product.created", createEvent("products", "product.created", productId, { id: productId, stock: 99 }));
			const list = await api.get(`${BASE}/inventory?pageSize=100`, { token: admin });
			expect(list.body.items.filter((i: Item) => i.productId === productId)).toHaveLength(1);
			const item = await byProduct(productId);
			expect(item).toMatchObject({ onHand: 12, lowStockThreshold: 5 });
			expect(await allMovements(stack.broker, item.id)).toEqual([
				expect.objectContaining({
					type: "create",
					quantity: 12,
					onHandBefore: 0,
					onHandAfter: 12,
					reservedBefore: 0,
					reservedAfter: 0
				})
			]);
			expect(events.of("inventory.created", item.id)).toHaveLength(1);
		});
	});

	describe("admin routes", () => {
		it("POST /inventory creates an item (201), 409 when the product has one, 422 on bad or unknown fields", async () => {
			const productId = await productWithoutItem();
			const res = await api.post(`${BASE}/inventory`, { productId, onHand: 40, lowStockThreshold: 7 }, { token: admin });
			expect(res.status).toBe(201);
			expect(res.body).toEqual({
				id: expect.any(String),
				productId,
				onHand: 40,
				reserved: 0,
				available: 40,
				lowStockThreshold: 7,
				updatedAt: expect.any(String)
			});
			expect(res.headers.get("location")).toBe(`${BASE}/inventory/${res.body.id}`);
			expect((await api.get(`${BASE}/inventory/${res.body.id}`, { token: admin })).body).toEqual(res.body);

			expectErrorBody(await api.post(`${BASE}/inventory`, { productId, onHand: 1 }, { token: admin }), 409, "INVENTORY_EXISTS");
			const contested = await productWithoutItem();
			const concurrent = await Promise.all(
				Array.from({ length: 5 }, () => api.post(`${BASE}/inventory`, { productId: contested, onHand: 2 }, { token: admin }))
			);
			expect(concurrent.map(r => r.status).sort()).toEqual([201, 409, 409, 409, 409]);

			const defaulted = await api.post(`${BASE}/inventory`, { productId: await productWithoutItem(), onHand: 200 }, { token: admin });
			expect(defaulted.body.lowStockThreshold).toBe(20);
			for (const body of [
				{ productId: randomUUID(), onHand: -1 },
				{ productId: randomUUID(), onHand: 1.5 },
				{ productId: randomUUID() },
				{ productId: randomUUID(), onHand: 1, reserved: 5 },
				{ productId: { $ne: "" }, onHand: 1 }
			]) {
				expectErrorBody(await api.post(`${BASE}/inventory`, body, { token: admin }), 422, "VALIDATION_ERROR");
			}
		});

		it("refuses anonymous callers with 401 and customers with 403 on every admin route", async () => {
			const item = await productCreated(stack.broker, 5);
			const routes: Array<[string, string, unknown?]> = [
				["POST", "/inventory", { productId: randomUUID(), onHand: 1 }],
				["GET", "/inventory"],
				["GET", `/inventory/${item.id}`],
				["PUT", `/inventory/${item.id}`, { onHand: 1 }],
				["GET", `/inventory/${item.id}/history`],
				["POST", "/inventory/reserve", { orderId: randomUUID(), items: [{ productId: item.productId, quantity: 1 }] }],
				["POST", "/inventory/release", { orderId: randomUUID() }]
			];
			for (const [method, path, body] of routes) {
				expectErrorBody(await api.request(method, BASE + path, body), 401);
				expectErrorBody(await api.request(method, BASE + path, body, { token: customer }), 403, "FORBIDDEN");
			}
			expect(await byProduct(item.productId)).toMatchObject({ onHand: 5, reserved: 0 });
		});

		it("GET /inventory pages and filters by lowStock; GET /inventory/:id answers 404 for an unknown id", async () => {
			const fresh = await startStack({ services: ["api", "inventory"] });
			try {
				const local = client(fresh.baseUrl);
				const made: Item[] = [];
				for (const stock of [50, 3, 40, 0, 30]) made.push(await productCreated(fresh.broker, stock));
				const page1 = await local.get(`${BASE}/inventory?page=1&pageSize=2`, { token: admin });
				expect(page1.status).toBe(200);
				expect(page1.body).toMatchObject({ total: 5, page: 1, pageSize: 2 });
				const page3 = await local.get(`${BASE}/inventory?page=3&pageSize=2`, { token: admin });
				expect(page3.body.items).toHaveLength(1);
				const all = [
					...page1.body.items,
					...(await local.get(`${BASE}/inventory?page=2&pageSize=2`, { token: admin })).body.items,
					...page3.body.items
				];
				expect(new Set(all.map((i: Item) => i.id))).toEqual(new Set(made.map(i => i.id)));

				const low = await local.get(`${BASE}/inventory?lowStock=true`, { token: admin });
				expect(low.body.items.map((i: Item) => i.onHand).sort()).toEqual([0, 3]);
				expect(low.body.total).toBe(2);
				const notLow = await local.get(`${BASE}/inventory?lowStock=false`, { token: admin });
				expect(notLow.body.total).toBe(3);
				// Crossing the threshold moves an item into the filter.
				await fresh.broker.call("inventory.adjust", { productId: made[0].productId, delta: -45 });
				expect((await local.get(`${BASE}/inventory?lowStock=true`, { token: admin })).body.total).toBe(3);

				expectErrorBody(await local.get(`${BASE}/inventory?pageSize=1000`, { token: admin }), 422);
				expectErrorBody(await local.get(`${BASE}/inventory?lowStock=maybe`, { token: admin }), 422);
				expectErrorBody(await local.get(`${BASE}/inventory/${randomUUID()}`, { token: admin }), 404, "NOT_FOUND");
			} finally {
				await fresh.stop();
			}
		});

		it("PUT /inventory/:id sets onHand and the threshold; onHand below the reserved quantity is a 409", async () => {
			const item = await productCreated(stack.broker, 30);
			await call("reserveOrder", { orderId: randomUUID(), items: [{ productId: item.productId, quantity: 12 }] });

			const up = await api.put(`${BASE}/inventory/${item.id}`, { onHand: 50, lowStockThreshold: 8 }, { token: admin });
			expect(up.status).toBe(200);
			expect(up.body).toMatchObject({ id: item.id, onHand: 50, reserved: 12, available: 38, lowStockThreshold: 8 });
			expect(events.of("inventory.adjusted", item.id).at(-1)?.data).toEqual({
				productId: item.productId,
				itemId: item.id,
				delta: 20,
				onHand: 50,
				reserved: 12,
				available: 38,
				reason: "set by admin"
			});

			const below = await api.put(`${BASE}/inventory/${item.id}`, { onHand: 11 }, { token: admin });
			expectErrorBody(below, 409, "INSUFFICIENT_STOCK");
			const exact = await api.put(`${BASE}/inventory/${item.id}`, { onHand: 12 }, { token: admin });
			expect(exact.body).toMatchObject({ onHand: 12, reserved: 12, available: 0 });
			// Repeating a PUT changes nothing more.
			const again = await api.put(`${BASE}/inventory/${item.id}`, { onHand: 12 }, { token: admin });
			expect(again.body).toMatchObject({ onHand: 12, reserved: 12, available: 0 });

			expectErrorBody(await api.put(`${BASE}/inventory/${item.id}`, {}, { token: admin }), 422);
			expectErrorBody(await api.put(`${BASE}/inventory/${item.id}`, { onHand: -1 }, { token: admin }), 422);
			expectErrorBody(await api.put(`${BASE}/inventory/${item.id}`, { available: 3 }, { token: admin }), 422);
			expectErrorBody(await api.put(`${BASE}/inventory/${randomUUID()}`, { onHand: 3 }, { token: admin }), 404);
			await expectHistoryAddsUp(stack.broker, item.id);
		});

		it("POST /inventory/reserve and /inventory/release run the internal logic", async () => {
			const item = await productCreated(stack.broker, 10);
			const orderId = randomUUID();
			orderStatuses.set(orderId, "pending");
			const items = [{ productId: item.productId, quantity: 4 }];
			const r1 = await api.post(`${BASE}/inventory/reserve`, { orderId, items }, { token: admin });
			expect(r1.status).toBe(200);
			expect(r1.body).toEqual({ status: "reserved" });
			expect((await api.post(`${BASE}/inventory/reserve`, { orderId, items }, { token: admin })).body).toEqual({
				status: "reserved"
			});
			expect(await byProduct(item.productId)).toMatchObject({ reserved: 4, available: 6 });

			const shortId = randomUUID();
			orderStatuses.set(shortId, "pending");
			const short = await api.post(
				`${BASE}/inventory/reserve`,
				{ orderId: shortId, items: [{ productId: item.productId, quantity: 7 }] },
				{ token: admin }
			);
			expect(short.body).toEqual({ status: "failed", productId: item.productId });

			// A live order's stock comes back by cancelling the order, not through this door.
			orderStatuses.set(orderId, "paid");
			expectErrorBody(await api.post(`${BASE}/inventory/release`, { orderId }, { token: admin }), 409, "ORDER_HOLDS_STOCK");
			expect(await byProduct(item.productId)).toMatchObject({ reserved: 4 });
			orderStatuses.set(orderId, "cancelled");
			expect((await api.post(`${BASE}/inventory/release`, { orderId }, { token: admin })).body).toEqual({ status: "released" });
			expect((await api.post(`${BASE}/inventory/release`, { orderId }, { token: admin })).body).toEqual({ status: "released" });
			expect(await byProduct(item.productId)).toMatchObject({ onHand: 10, reserved: 0, available: 10 });
			expectErrorBody(await api.post(`${BASE}/inventory/release`, { orderId: randomUUID() }, { token: admin }), 404);
			// Units held for no order would never come back; an order the flow moved on is not reserved again.
			const noOrder = { orderId: randomUUID(), items: [{ productId: item.productId, quantity: 1 }] };
			expectErrorBody(await api.post(`${BASE}/inventory/reserve`, noOrder, { token: admin }), 404, "NOT_FOUND");
			orderStatuses.set(noOrder.orderId, "paid");
			expectErrorBody(await api.post(`${BASE}/inventory/reserve`, noOrder, { token: admin }), 409, "ORDER_NOT_PENDING");
			expect(await byProduct(item.productId)).toMatchObject({ reserved: 0, available: 10 });

			for (const body of [
				{ orderId, items: [] },
				{ orderId, items: [{ productId: item.productId, quantity: 0 }] },
				{ orderId, items: [{ productId: item.productId, quantity: 1, price: 3 }] },
				{ items: [{ productId: item.productId, quantity: 1 }] }
			]) {
				expectErrorBody(await api.post(`${BASE}/inventory/reserve`, body, { token: admin }), 422);
			}
		});
	});

	describe("GET /inventory/check (public)", () => {
		it("answers whether a quantity is available, converting the query string", async () => {
			const item = await productCreated(stack.broker, 9);
			await call("reserveOrder", { orderId: randomUUID(), items: [{ productId: item.productId, quantity: 4 }] });
			const ok = await api.get(`${BASE}/inventory/check?productId=${item.productId}&quantity=5`);
			expect(ok.status).toBe(200);
			expect(ok.body).toEqual({ productId: item.productId, quantity: 5, available: 5, sufficient: true });
			const short = await api.get(`${BASE}/inventory/check?productId=${item.productId}&quantity=6`, { token: customer });
			expect(short.body).toEqual({ productId: item.productId, quantity: 6, available: 5, sufficient: false });

			expectErrorBody(await api.get(`${BASE}/inventory/check?productId=${item.productId}&quantity=0`), 422);
			expectErrorBody(await api.get(`${BASE}/inventory/check?productId=${item.productId}&quantity=abc`), 422);
			expectErrorBody(await api.get(`${BASE}/inventory/check?productId=${item.productId}`), 422);
			expectErrorBody(await api.get(`${BASE}/inventory/check?productId=${randomUUID()}&quantity=1`), 404);
		});
	});

	describe("adjust (internal, and PATCH /products/:id/stock)", () => {
		it("changes onHand by delta and never below the reserved quantity or zero (409 INSUFFICIENT_STOCK)", async () => {
			const productId = await createProduct(10);
			const item = await byProduct(productId);
			await call("reserveOrder", { orderId: randomUUID(), items: [{ productId, quantity: 6 }] });

			const after = await call("adjust", { productId, delta: 5, reason: "delivery" });
			expect(after).toMatchObject({ onHand: 15, reserved: 6, available: 9 });
			await expect(call("adjust", { productId, delta: -10 })).rejects.toMatchObject({ code: 409, type: "INSUFFICIENT_STOCK" });
			expect(await byProduct(productId)).toMatchObject({ onHand: 15, reserved: 6, available: 9 });
			await expect(call("adjust", { productId, delta: -9 })).resolves.toMatchObject({ onHand: 6, reserved: 6, available: 0 });
			await expect(call("adjust", { productId, delta: -1 })).rejects.toMatchObject({ code: 409 });

			// Concurrent decreases: the conditional update lets exactly as many through as there is stock.
			await call("adjust", { productId, delta: 10 });
			const results = await Promise.allSettled(Array.from({ length: 25 }, () => call("adjust", { productId, delta: -1 })));
			expect(results.filter(r => r.status === "fulfilled")).toHaveLength(10);
			expect(await byProduct(productId)).toMatchObject({ onHand: 6, reserved: 6, available: 0 });

			await expect(call("adjust", { productId, delta: 0 })).rejects.toMatchObject({ code: 422 });
			await expect(call("adjust", { productId, delta: 1.5 })).rejects.toMatchObject({ code: 422 });
			await expect(call("adjust", { productId: randomUUID(), delta: 1 })).rejects.toMatchObject({ code: 404 });

			// Through the products route (admin), which forwards to inventory.adjust.
			const patched = await api.patch(`${BASE}/products/${productId}/stock`, { delta: 4, reason: "recount" }, { token: admin });
			expect(patched.status).toBe(200);
			expect(patched.body).toMatchObject({ id: item.id, productId, onHand: 10, reserved: 6, available: 4 });
			expectErrorBody(
				await api.patch(`${BASE}/products/${productId}/stock`, { delta: -5 }, { token: admin }),
				409,
				"INSUFFICIENT_STOCK"
			);
			const absolute = await api.patch(`${BASE}/products/${productId}/stock`, { onHand: 7 }, { token: admin });
			expect(absolute.body).toMatchObject({ onHand: 7, reserved: 6, available: 1 });

			const history = await allMovements(stack.broker, item.id);
			const recount = history.find(m => m.quantity === 4 && m.type === "adjust") as MovementRow & { reason: string };
			expect(recount).toMatchObject({ reason: "recount", actor: adminId, onHandBefore: 6, onHandAfter: 10 });
			await expectHistoryAddsUp(stack.broker, item.id);
		});
	});

	describe("low stock", () => {
		it("raises one inventory.low_stock per downward crossing, re-armed by a rise above the threshold", async () => {
			const item = await productCreated(stack.broker, 20); // threshold 5
			const reserve = (quantity: number) =>
				call("reserveOrder", { orderId: randomUUID(), items: [{ productId: item.productId, quantity }] });
			const o1 = randomUUID();
			await reserve(10); // available 10
			expect(await alertsAfterRelay(item.id)).toHaveLength(0);
			await call("reserveOrder", { orderId: o1, items: [{ productId: item.productId, quantity: 6 }] }); // 4: crossed
			expect((await alertsAfterRelay(item.id)).map(e => e.data)).toEqual([
				{ productId: item.productId, itemId: item.id, available: 4, lowStockThreshold: 5 }
			]);
			await reserve(1); // 3: still below, no new alert
			await call("adjust", { productId: item.productId, delta: -1 }); // 2
			await reserve(5); // short: fails, nothing changes
			expect(await alertsAfterRelay(item.id)).toHaveLength(1);

			await call("releaseOrder", { orderId: o1 }); // 8: above again, re-armed
			expect(await alertsAfterRelay(item.id)).toHaveLength(1);
			await call("adjust", { productId: item.productId, delta: -3 }); // 5: at the threshold is low
			expect(await alertsAfterRelay(item.id)).toHaveLength(2);
			expect((await alertsAfterRelay(item.id))[1].data).toMatchObject({ available: 5 });

			// Raising the threshold above available is a crossing too; lowering it re-arms.
			await api.put(`${BASE}/inventory/${item.id}`, { onHand: 30 }, { token: admin }); // 11 reserved: available 19
			await api.put(`${BASE}/inventory/${item.id}`, { lowStockThreshold: 20 }, { token: admin });
			expect(await alertsAfterRelay(item.id)).toHaveLength(3);
			expect((await alertsAfterRelay(item.id))[2].data).toMatchObject({ available: 19, lowStockThreshold: 20 });
			await api.put(`${BASE}/inventory/${item.id}`, { lowStockThreshold: 20 }, { token: admin });
			expect(await alertsAfterRelay(item.id)).toHaveLength(3);
		});

		it("raises one alert when many concurrent orders cross the threshold together", async () => {
			const item = await productCreated(stack.broker, 50); // threshold 5
			await Promise.all(
				Array.from({ length: 48 }, () =>
					call("reserveOrder", { orderId: randomUUID(), items: [{ productId: item.productId, quantity: 1 }] })
				)
			);
			expect(await byProduct(item.productId)).toMatchObject({ available: 2, reserved: 48 });
			expect(await alertsAfterRelay(item.id)).toHaveLength(1);
		});

		it("an item created at or below its threshold starts latched: no alert until it was above once", async () => {
			const item = await productCreated(stack.broker, 2);
			await call("adjust", { productId: item.productId, delta: -1 });
			expect(await alertsAfterRelay(item.id)).toHaveLength(0);
			await call("adjust", { productId: item.productId, delta: 10 });
			await call("adjust", { productId: item.productId, delta: -10 });
			expect(await alertsAfterRelay(item.id)).toHaveLength(1);
		});
	});

	describe("GET /inventory/:id/history", () => {
		it("lists movements newest first, paged, with before/after values that add up to the item", async () => {
			const item = await productCreated(stack.broker, 10);
			const orderId = randomUUID();
			await call("reserveOrder", { orderId, items: [{ productId: item.productId, quantity: 3 }] });
			await call("adjust", { productId: item.productId, delta: 2, reason: "found" });
			await call("commitOrder", { orderId });

			const res = await api.get(`${BASE}/inventory/${item.id}/history?page=1&pageSize=2`, { token: admin });
			expect(res.status).toBe(200);
			expect(res.body).toMatchObject({ total: 4, page: 1, pageSize: 2 });
			expect(res.body.items.map((m: MovementRow) => m.type)).toEqual(["commit", "adjust"]);
			expect(res.body.items[0]).toEqual({
				id: expect.any(String),
				itemId: item.id,
				productId: item.productId,
				type: "commit",
				quantity: 3,
				onHandBefore: 12,
				onHandAfter: 9,
				reservedBefore: 3,
				reservedAfter: 0,
				orderId,
				actor: "system",
				reason: "order shipped",
				at: expect.any(String)
			});
			const page2 = await api.get(`${BASE}/inventory/${item.id}/history?page=2&pageSize=2`, { token: admin });
			expect(page2.body.items.map((m: MovementRow) => m.type)).toEqual(["reserve", "create"]);
			const final = await expectHistoryAddsUp(stack.broker, item.id);
			expect(final).toMatchObject({ onHand: 9, reserved: 0, available: 9 });
			expectErrorBody(await api.get(`${BASE}/inventory/${randomUUID()}/history`, { token: admin }), 404);
		});
	});
});
