/**
 * The orders service alone, through the real gateway: the services around it are fakes
 * (test/orders/fakes.ts), tokens are minted with the test JWT_SECRET (test/setup-env.js), and the
 * tests play inventory, payments and shipping by emitting their events.
 */
import { randomUUID } from "node:crypto";
import { client, type Client } from "../helpers/http";
import { startStack, type Stack } from "../helpers/stack";
import { createFakes, emitAs, type Fakes } from "./fakes";
import { ADDRESS, CARDS, admin, customer, eventually, type TestUser } from "./support";

describe("orders service (with fake neighbours)", () => {
	let stack: Stack;
	let api: Client;
	let fakes: Fakes;
	const ann = customer();
	const bob = customer();
	const boss = admin();

	beforeAll(async () => {
		fakes = createFakes();
		stack = await startStack({
			services: ["api", "orders"],
			extraServices: fakes.services,
			// LOG_LEVEL error: the tests send out-of-place events on purpose, whose warnings would only be noise.
			env: { RATE_LIMIT_MAX: "100000", ORDER_RECONCILE_INTERVAL_MS: "0", LOG_LEVEL: "error" }
		});
		api = client(stack.baseUrl);
	});
	afterAll(() => stack?.stop());

	const place = (user: TestUser, body: Record<string, unknown>, headers?: Record<string, string>) =>
		api.post("/api/v1/orders", { shippingAddress: ADDRESS, payment: CARDS.ok, ...body }, { token: user.token, headers });

	async function placed(user: TestUser, items: Array<{ productId: string; quantity: number }>): Promise<any> {
		const r = await place(user, { items });
		expect(r.status).toBe(201);
		return r.body;
	}

	const store = () => (stack.broker.getLocalService("orders") as any).store("orders");
	const getOrder = (id: string, user: TestUser = boss) => api.get(`/api/v1/orders/${id}`, { token: user.token });
	const fieldsOf = (body: any): string[] => (body?.error?.data ?? []).map((d: any) => d.field);

	describe("POST /orders", () => {
		it("prices the order on the server, stores it pending and emits order.created", async () => {
			const a = fakes.addProduct({ name: "Mug", price: 12.5 });
			const b = fakes.addProduct({ name: "Pen", price: 1.2 });
			const r = await place(ann, {
				items: [
					{ productId: a.id, quantity: 2 },
					{ productId: b.id, quantity: 3 }
				]
			});
			expect(r.status).toBe(201);
			expect(r.headers.get("location")).toBe(`/api/v1/orders/${r.body.id}`);
			expect(r.body).toMatchObject({
				userId: ann.id,
				status: "pending",
				items: [
					{ productId: a.id, name: "Mug", price: 12.5, quantity: 2, subtotal: 25 },
					{ productId: b.id, name: "Pen", price: 1.2, quantity: 3, subtotal: 3.6 }
				],
				total: 28.6,
				currency: "EUR",
				shippingAddress: ADDRESS,
				payment: { status: "pending", brand: "visa", last4: "4242" },
				statusHistory: [{ status: "pending", by: ann.id }]
			});
			expect(r.body.cancelReason).toBeUndefined();
			expect(JSON.stringify(r.body)).not.toMatch(/tok_|4242424242424242|cvc/);
			expect(typeof r.body.id).toBe("string");
			expect(new Date(r.body.createdAt).toISOString()).toBe(r.body.createdAt);

			const created = await eventually("order.created", async () => fakes.eventsOf(r.body.id).find(e => e.type === "order.created"));
			expect(created).toMatchObject({
				specversion: "1.0",
				source: "orders",
				subject: r.body.id,
				data: {
					orderId: r.body.id,
					userId: ann.id,
					items: [
						{ productId: a.id, quantity: 2 },
						{ productId: b.id, quantity: 3 }
					],
					total: 28.6,
					currency: "EUR"
				}
			});
			// The card was only ever seen by payments.tokenize; the stored order keeps its token, not the number.
			const doc = await store().findById(r.body.id);
			expect(doc.payment.token).toMatch(/^tok_/);
			expect(JSON.stringify(doc)).not.toContain("4242424242424242");
		});

		it("ignores client prices: only productId and quantity are accepted", async () => {
			const p = fakes.addProduct({ price: 5 });
			const r = await place(ann, { items: [{ productId: p.id, quantity: 1, price: 0.01 }] });
			expect(r.status).toBe(422);
			expect(fieldsOf(r.body)).toContain("items[0].price");
		});

		it("keeps money exact in cents (0.10 and 19.99 times odd quantities), merging duplicate lines", async () => {
			const dime = fakes.addProduct({ price: 0.1 });
			const odd = fakes.addProduct({ price: 19.99 });
			const order = await placed(ann, [
				{ productId: dime.id, quantity: 1 },
				{ productId: odd.id, quantity: 7 },
				{ productId: dime.id, quantity: 2 }
			]);
			expect(order.items).toEqual([
				{ productId: dime.id, name: dime.name, price: 0.1, quantity: 3, subtotal: 0.3 },
				{ productId: odd.id, name: odd.name, price: 19.99, quantity: 7, subtotal: 139.93 }
			]);
			expect(order.total).toBe(140.23);
			const doc = await store().findById(order.id);
			expect(doc.totalMinor).toBe(14023);
			expect(doc.items.map((l: any) => l.subtotalMinor)).toEqual([30, 13993]);

			const many = await placed(ann, [
				{ productId: dime.id, quantity: 33 },
				{ productId: odd.id, quantity: 99 }
			]);
			expect(many.total).toBe(3.3 + 1979.01);
			expect((await store().findById(many.id)).totalMinor).toBe(330 + 197901);
		});

		it("answers 422 naming items[i].productId for unknown products (all of them), and creates nothing", async () => {
			const known = fakes.addProduct({ price: 1 });
			const before = await store().count();
			const r = await place(ann, {
				items: [
					{ productId: known.id, quantity: 1 },
					{ productId: "nope-1", quantity: 1 },
					{ productId: "nope-2", quantity: 2 }
				]
			});
			expect(r.status).toBe(422);
			expect(r.body.error.type).toBe("VALIDATION_ERROR");
			expect(fieldsOf(r.body)).toEqual(["items[1].productId", "items[2].productId"]);
			expect(await store().count()).toBe(before);
		});

		it("answers 422 for a second currency in one order", async () => {
			const eur = fakes.addProduct({ price: 1, currency: "EUR" });
			const usd = fakes.addProduct({ price: 1, currency: "USD" });
			const r = await place(ann, {
				items: [
					{ productId: eur.id, quantity: 1 },
					{ productId: usd.id, quantity: 1 }
				]
			});
			expect(r.status).toBe(422);
			expect(r.body.error.data).toEqual([expect.objectContaining({ field: "items[1].productId", type: "currencyMismatch" })]);
		});

		it.each([
			["no items", { items: [] }, "items"],
			["quantity 0", { items: [{ productId: "x", quantity: 0 }] }, "items[0].quantity"],
			["quantity 101", { items: [{ productId: "x", quantity: 101 }] }, "items[0].quantity"],
			["fractional quantity", { items: [{ productId: "x", quantity: 1.5 }] }, "items[0].quantity"],
			["51 lines", { items: Array.from({ length: 51 }, (_, i) => ({ productId: `p${i}`, quantity: 1 })) }, "items"],
			["no payment", { items: [{ productId: "x", quantity: 1 }], payment: undefined }, "payment"],
			["unknown payment field", { items: [{ productId: "x", quantity: 1 }], payment: { ...CARDS.ok, pin: "1" } }, "payment.pin"],
			[
				"bad country",
				{ items: [{ productId: "x", quantity: 1 }], shippingAddress: { ...ADDRESS, country: "Germany" } },
				"shippingAddress.country"
			],
			["no line1", { items: [{ productId: "x", quantity: 1 }], shippingAddress: { ...ADDRESS, line1: "" } }, "shippingAddress.line1"],
			["no address at all", { items: [{ productId: "x", quantity: 1 }], shippingAddress: undefined }, "shippingAddress"],
			["address and addressId", { items: [{ productId: "x", quantity: 1 }], addressId: "a1" }, "shippingAddress"],
			["unknown top-level field", { items: [{ productId: "x", quantity: 1 }], total: 1 }, "total"]
		])("answers 422 for %s", async (_label, body, field) => {
			const r = await place(ann, body);
			expect(r.status).toBe(422);
			expect(fieldsOf(r.body)).toContain(field);
		});

		it("answers 422 when duplicate lines add up to more than 100", async () => {
			const p = fakes.addProduct({ price: 1 });
			const r = await place(ann, {
				items: [
					{ productId: p.id, quantity: 60 },
					{ productId: p.id, quantity: 41 }
				]
			});
			expect(r.status).toBe(422);
			expect(fieldsOf(r.body)).toEqual(["items[1].quantity"]);
		});

		it("answers 422 naming payment.cardNumber when payments refuses the card, and stores nothing", async () => {
			const p = fakes.addProduct({ price: 1 });
			const before = await store().count();
			const r = await place(ann, { items: [{ productId: p.id, quantity: 1 }], payment: { ...CARDS.ok, cardNumber: "1234" } });
			expect(r.status).toBe(422);
			expect(fieldsOf(r.body)).toEqual(["payment.cardNumber"]);
			expect(await store().count()).toBe(before);
		});

		it("takes the address from the address book by addressId (422 naming addressId when it is not the user's)", async () => {
			const p = fakes.addProduct({ price: 3 });
			fakes.addresses.set(
				ann.id,
				new Map([["home", { line1: "Home 1", line2: null, city: "Paris", postalCode: "75001", country: "FR", name: "Ann" }]])
			);
			const r = await place(ann, { items: [{ productId: p.id, quantity: 1 }], shippingAddress: undefined, addressId: "home" });
			expect(r.status).toBe(201);
			expect(r.body.shippingAddress).toEqual({ line1: "Home 1", city: "Paris", postalCode: "75001", country: "FR", name: "Ann" });

			const other = await place(bob, { items: [{ productId: p.id, quantity: 1 }], shippingAddress: undefined, addressId: "home" });
			expect(other.status).toBe(422);
			expect(fieldsOf(other.body)).toEqual(["addressId"]);
		});

		it("reports an unknown product and an unknown address together", async () => {
			const r = await place(ann, { items: [{ productId: "ghost", quantity: 1 }], shippingAddress: undefined, addressId: "ghost" });
			expect(r.status).toBe(422);
			expect(fieldsOf(r.body).sort()).toEqual(["addressId", "items[0].productId"]);
		});

		it("needs a token (401), and an existing account (401)", async () => {
			const p = fakes.addProduct({ price: 1 });
			const anon = await api.post("/api/v1/orders", {
				items: [{ productId: p.id, quantity: 1 }],
				shippingAddress: ADDRESS,
				payment: CARDS.ok
			});
			expect(anon.status).toBe(401);
			const ghost = customer();
			fakes.deletedUsers.add(ghost.id);
			const r = await place(ghost, { items: [{ productId: p.id, quantity: 1 }] });
			expect(r.status).toBe(401);
		});
	});

	describe("Idempotency-Key", () => {
		it("answers the first order to a repeat and creates nothing else", async () => {
			const p = fakes.addProduct({ price: 2 });
			const key = randomUUID();
			const body = { items: [{ productId: p.id, quantity: 1 }] };
			const first = await place(ann, body, { "Idempotency-Key": key });
			const again = await place(ann, body, { "Idempotency-Key": key });
			expect(first.status).toBe(201);
			expect([200, 201]).toContain(again.status);
			expect(again.body.id).toBe(first.body.id);
			expect(again.headers.get("idempotent-replayed")).toBe("true");
			expect(await store().count({ idempotencyKey: `${ann.id}:${key}` })).toBe(1);
			// order.created went out once
			await eventually("order.created", async () => fakes.eventsOf(first.body.id).length > 0);
			expect(fakes.eventsOf(first.body.id).filter(e => e.type === "order.created")).toHaveLength(1);
		});

		it("creates one order for concurrent duplicates", async () => {
			const p = fakes.addProduct({ price: 2 });
			const key = randomUUID();
			const results = await Promise.all(
				Array.from({ length: 12 }, () => place(ann, { items: [{ productId: p.id, quantity: 1 }] }, { "Idempotency-Key": key }))
			);
			expect(results.map(r => r.status).every(s => s === 201 || s === 200)).toBe(true);
			expect(new Set(results.map(r => r.body.id)).size).toBe(1);
			expect(await store().count({ idempotencyKey: `${ann.id}:${key}` })).toBe(1);
		});

		it("keeps keys per user: the same key from another user places another order", async () => {
			const p = fakes.addProduct({ price: 2 });
			const key = randomUUID();
			const a = await place(ann, { items: [{ productId: p.id, quantity: 1 }] }, { "Idempotency-Key": key });
			const b = await place(bob, { items: [{ productId: p.id, quantity: 1 }] }, { "Idempotency-Key": key });
			expect(a.status).toBe(201);
			expect(b.status).toBe(201);
			expect(b.body.id).not.toBe(a.body.id);
			expect(b.body.userId).toBe(bob.id);
		});

		it("does not remember a request that failed", async () => {
			const p = fakes.addProduct({ price: 2 });
			const key = randomUUID();
			const bad = await place(
				ann,
				{ items: [{ productId: p.id, quantity: 1 }], payment: { ...CARDS.ok, cardNumber: "1234" } },
				{ "Idempotency-Key": key }
			);
			expect(bad.status).toBe(422);
			const good = await place(ann, { items: [{ productId: p.id, quantity: 1 }] }, { "Idempotency-Key": key });
			expect(good.status).toBe(201);
		});
	});

	describe("reading orders", () => {
		let annOrder: any;
		let bobOrder: any;

		beforeAll(async () => {
			const p = fakes.addProduct({ price: 4 });
			annOrder = await placed(ann, [{ productId: p.id, quantity: 1 }]);
			bobOrder = await placed(bob, [{ productId: p.id, quantity: 2 }]);
		});

		it("GET /orders/:id: owner and admin see it; another customer gets 404", async () => {
			expect((await getOrder(annOrder.id, ann)).status).toBe(200);
			expect((await getOrder(annOrder.id, boss)).body.id).toBe(annOrder.id);
			const other = await getOrder(annOrder.id, bob);
			expect(other.status).toBe(404);
			expect(other.body.error.type).toBe("NOT_FOUND");
			expect((await getOrder("no-such-order", ann)).status).toBe(404);
			expect((await api.get(`/api/v1/orders/${annOrder.id}`)).status).toBe(401);
		});

		it("GET /orders: customers see their own only, admins all", async () => {
			const mine = await api.get("/api/v1/orders?pageSize=100", { token: bob.token });
			expect(mine.status).toBe(200);
			expect(mine.body.items.every((o: any) => o.userId === bob.id)).toBe(true);
			expect(mine.body.items.map((o: any) => o.id)).toContain(bobOrder.id);
			const all = await api.get("/api/v1/orders?pageSize=100", { token: boss.token });
			const users = new Set(all.body.items.map((o: any) => o.userId));
			expect(users.has(ann.id) && users.has(bob.id)).toBe(true);
			expect(all.body.total).toBeGreaterThan(mine.body.total);
		});

		it("GET /orders: filters by status and creation time, pages newest first", async () => {
			const r = await api.get("/api/v1/orders?status=pending&page=1&pageSize=2", { token: ann.token });
			expect(r.body).toMatchObject({ page: 1, pageSize: 2 });
			expect(r.body.items).toHaveLength(2);
			expect(r.body.items.every((o: any) => o.status === "pending")).toBe(true);
			expect(r.body.items[0].createdAt >= r.body.items[1].createdAt).toBe(true);
			const page2 = await api.get("/api/v1/orders?status=pending&page=2&pageSize=2", { token: ann.token });
			expect(page2.body.items[0].id).not.toBe(r.body.items[0].id);

			const none = await api.get("/api/v1/orders?status=delivered", { token: ann.token });
			expect(none.body).toMatchObject({ items: [], total: 0 });

			const future = new Date(Date.now() + 3_600_000).toISOString();
			expect((await api.get(`/api/v1/orders?from=${encodeURIComponent(future)}`, { token: ann.token })).body.total).toBe(0);
			const past = new Date(Date.now() - 3_600_000).toISOString();
			const since = await api.get(`/api/v1/orders?from=${encodeURIComponent(past)}&to=${encodeURIComponent(future)}`, {
				token: ann.token
			});
			expect(since.body.total).toBe((await api.get("/api/v1/orders", { token: ann.token })).body.total);
			const today = new Date().toISOString().slice(0, 10);
			expect((await api.get(`/api/v1/orders?from=${today}&to=${today}`, { token: ann.token })).body.total).toBeGreaterThan(0);
			expect((await api.get(`/api/v1/orders?to=2000-01-01`, { token: ann.token })).body.total).toBe(0);
		});

		it.each([
			["pageSize=101", "pageSize"],
			["page=0", "page"],
			["status=lost", "status"],
			["from=yesterday", "from"],
			["to=2024-13-45", "to"],
			["from=2024-05-02&to=2024-05-01", "to"]
		])("GET /orders?%s answers 422 naming %s", async (query, field) => {
			const r = await api.get(`/api/v1/orders?${query}`, { token: ann.token });
			expect(r.status).toBe(422);
			expect(fieldsOf(r.body)).toContain(field);
		});

		it("GET /orders/user/:userId: self or admin; others 404", async () => {
			const self = await api.get(`/api/v1/orders/user/${ann.id}`, { token: ann.token });
			expect(self.status).toBe(200);
			expect(self.body.items.every((o: any) => o.userId === ann.id)).toBe(true);
			const byAdmin = await api.get(`/api/v1/orders/user/${bob.id}?status=pending`, { token: boss.token });
			expect(byAdmin.body.items.map((o: any) => o.id)).toContain(bobOrder.id);
			expect(byAdmin.body.items.every((o: any) => o.userId === bob.id)).toBe(true);
			expect((await api.get(`/api/v1/orders/user/${ann.id}`, { token: bob.token })).status).toBe(404);
		});
	});

	describe("the flow, driven by the other services' events", () => {
		it("pending -> confirmed -> paid -> shipped -> delivered, announcing each step once", async () => {
			const p = fakes.addProduct({ price: 9.99 });
			const order = await placed(ann, [{ productId: p.id, quantity: 3 }]);
			const id = order.id;

			const reserved = await emitAs(stack.broker, "inventory", "inventory.reserved", {
				orderId: id,
				items: [{ productId: p.id, quantity: 3 }]
			});
			let o = (await getOrder(id)).body;
			expect(o.status).toBe("confirmed");
			const confirmed = fakes.eventsOf(id).find(e => e.type === "order.confirmed")!;
			const doc = await store().findById(id);
			expect(confirmed.data).toEqual({
				orderId: id,
				userId: ann.id,
				total: 29.97,
				currency: "EUR",
				amountMinor: 2997,
				paymentToken: doc.payment.token
			});

			// Redelivery of the same event, and a re-sent one: nothing changes, nothing is announced again.
			await stack.broker.emit("inventory.reserved", reserved);
			await emitAs(stack.broker, "inventory", "inventory.reserved", { orderId: id, items: [] });
			expect((await store().findById(id)).version).toBe(doc.version);
			expect(fakes.eventsOf(id).filter(e => e.type === "order.confirmed")).toHaveLength(1);

			await emitAs(stack.broker, "payments", "payment.succeeded", {
				orderId: id,
				paymentId: "pay-1",
				amount: 29.97,
				currency: "EUR",
				brand: "visa",
				last4: "4242"
			});
			o = (await getOrder(id)).body;
			expect(o).toMatchObject({ status: "paid", payment: { status: "succeeded", brand: "visa", last4: "4242" } });
			expect(fakes.eventsOf(id).find(e => e.type === "order.paid")!.data).toEqual({
				orderId: id,
				userId: ann.id,
				total: 29.97,
				currency: "EUR",
				shippingAddress: ADDRESS
			});
			await emitAs(stack.broker, "payments", "payment.succeeded", { orderId: id, paymentId: "pay-1" });

			await emitAs(stack.broker, "shipping", "shipment.shipped", { orderId: id, shipmentId: "s1" });
			await emitAs(stack.broker, "shipping", "shipment.shipped", { orderId: id, shipmentId: "s1" });
			await emitAs(stack.broker, "shipping", "shipment.delivered", { orderId: id, shipmentId: "s1" });
			await emitAs(stack.broker, "shipping", "shipment.delivered", { orderId: id, shipmentId: "s1" });
			o = (await getOrder(id)).body;
			expect(o.status).toBe("delivered");
			expect(o.statusHistory.map((e: any) => `${e.status}:${e.by}`)).toEqual([
				`pending:${ann.id}`,
				"confirmed:inventory",
				"paid:payments",
				"shipped:shipping",
				"delivered:shipping"
			]);
			expect(fakes.eventsOf(id).map(e => e.type)).toEqual([
				"order.created",
				"order.confirmed",
				"order.paid",
				"order.shipped",
				"order.delivered"
			]);
			expect(fakes.eventsOf(id).find(e => e.type === "order.delivered")!.data.shippingAddress).toEqual(ADDRESS);
		});

		it("cancels with out_of_stock when the reservation fails", async () => {
			const p = fakes.addProduct({ price: 1 });
			const { id } = await placed(ann, [{ productId: p.id, quantity: 1 }]);
			await emitAs(stack.broker, "inventory", "inventory.reservation_failed", {
				orderId: id,
				reason: "out_of_stock",
				productId: p.id
			});
			await emitAs(stack.broker, "inventory", "inventory.reservation_failed", {
				orderId: id,
				reason: "out_of_stock",
				productId: p.id
			});
			const o = (await getOrder(id)).body;
			expect(o).toMatchObject({ status: "cancelled", cancelReason: "out_of_stock" });
			const cancelled = fakes.eventsOf(id).filter(e => e.type === "order.cancelled");
			expect(cancelled).toHaveLength(1);
			expect(cancelled[0].data).toEqual({
				orderId: id,
				userId: ann.id,
				reason: "out_of_stock",
				previousStatus: "pending",
				total: 1,
				currency: "EUR"
			});
		});

		it("cancels with payment_failed when the charge fails", async () => {
			const p = fakes.addProduct({ price: 1 });
			const { id } = await placed(ann, [{ productId: p.id, quantity: 1 }]);
			await emitAs(stack.broker, "inventory", "inventory.reserved", { orderId: id });
			await emitAs(stack.broker, "payments", "payment.failed", { orderId: id, paymentId: "pay-x", reason: "insufficient_funds" });
			const o = (await getOrder(id)).body;
			expect(o).toMatchObject({ status: "cancelled", cancelReason: "payment_failed", payment: { status: "failed" } });
			expect(fakes.eventsOf(id).find(e => e.type === "order.cancelled")!.data).toMatchObject({
				reason: "payment_failed",
				previousStatus: "confirmed"
			});
		});

		it("ignores events that come too late or out of place, without failing the emitter", async () => {
			const p = fakes.addProduct({ price: 1 });
			const { id } = await placed(ann, [{ productId: p.id, quantity: 1 }]);
			await emitAs(stack.broker, "payments", "payment.succeeded", { orderId: id });
			await emitAs(stack.broker, "shipping", "shipment.shipped", { orderId: id });
			await emitAs(stack.broker, "payments", "payment.failed", { orderId: id, reason: "declined" });
			await emitAs(stack.broker, "inventory", "inventory.reserved", { orderId: "no-such-order" });
			await stack.broker.emit("inventory.reserved", { specversion: "1.0", id: "x", data: {} });
			expect((await getOrder(id)).body.status).toBe("pending");
		});

		it("walks a delivery that overtook its shipped event through shipped", async () => {
			const p = fakes.addProduct({ price: 1 });
			const { id } = await placed(ann, [{ productId: p.id, quantity: 1 }]);
			await emitAs(stack.broker, "inventory", "inventory.reserved", { orderId: id });
			await emitAs(stack.broker, "payments", "payment.succeeded", { orderId: id });
			await emitAs(stack.broker, "shipping", "shipment.delivered", { orderId: id });
			const o = (await getOrder(id)).body;
			expect(o.statusHistory.map((e: any) => e.status)).toEqual(["pending", "confirmed", "paid", "shipped", "delivered"]);
			expect(fakes.eventsOf(id).map(e => e.type)).toContain("order.shipped");
		});

		it("shows a refunded payment", async () => {
			const p = fakes.addProduct({ price: 1 });
			const { id } = await placed(ann, [{ productId: p.id, quantity: 1 }]);
			await emitAs(stack.broker, "inventory", "inventory.reserved", { orderId: id });
			await emitAs(stack.broker, "payments", "payment.succeeded", { orderId: id, brand: "visa", last4: "4242" });
			expect((await api.del(`/api/v1/orders/${id}`, { token: ann.token })).status).toBe(200);
			await emitAs(stack.broker, "payments", "payment.refunded", { orderId: id, paymentId: "p", amount: 1, currency: "EUR" });
			expect((await getOrder(id)).body).toMatchObject({
				status: "cancelled",
				cancelReason: "customer",
				payment: { status: "refunded" }
			});
		});

		it("records a charge that failed after the customer cancelled, keeping the cancel reason", async () => {
			const p = fakes.addProduct({ price: 1 });
			const { id } = await placed(ann, [{ productId: p.id, quantity: 1 }]);
			await emitAs(stack.broker, "inventory", "inventory.reserved", { orderId: id });
			expect((await api.del(`/api/v1/orders/${id}`, { token: ann.token })).status).toBe(200);
			await emitAs(stack.broker, "payments", "payment.failed", { orderId: id, reason: "declined" });
			expect((await getOrder(id)).body).toMatchObject({
				status: "cancelled",
				cancelReason: "customer",
				payment: { status: "failed" }
			});
			expect(fakes.eventsOf(id).filter(e => e.type === "order.cancelled")).toHaveLength(1);
		});

		it("releases stock reserved for an order cancelled while pending, and refunds a charge that beat a cancel", async () => {
			const p = fakes.addProduct({ price: 1 });
			const a = await placed(ann, [{ productId: p.id, quantity: 1 }]);
			expect((await api.del(`/api/v1/orders/${a.id}`, { token: ann.token })).status).toBe(200);
			await emitAs(stack.broker, "inventory", "inventory.reserved", { orderId: a.id });
			expect(fakes.callsOf("inventory.releaseOrder")).toContainEqual({ orderId: a.id });
			expect((await getOrder(a.id)).body.status).toBe("cancelled");

			const b = await placed(ann, [{ productId: p.id, quantity: 1 }]);
			await emitAs(stack.broker, "inventory", "inventory.reserved", { orderId: b.id });
			expect((await api.del(`/api/v1/orders/${b.id}`, { token: ann.token })).status).toBe(200);
			await emitAs(stack.broker, "payments", "payment.succeeded", { orderId: b.id });
			expect(fakes.callsOf("payments.refundOrder")).toContainEqual({ orderId: b.id });
			expect((await getOrder(b.id)).body.status).toBe("cancelled");
		});
	});

	describe("cancelling and admin moves", () => {
		async function orderIn(status: "pending" | "confirmed" | "paid" | "shipped", user: TestUser = ann) {
			const p = fakes.addProduct({ price: 2.5 });
			const { id } = await placed(user, [{ productId: p.id, quantity: 2 }]);
			if (status !== "pending") await emitAs(stack.broker, "inventory", "inventory.reserved", { orderId: id });
			if (status === "paid" || status === "shipped") await emitAs(stack.broker, "payments", "payment.succeeded", { orderId: id });
			if (status === "shipped") await emitAs(stack.broker, "shipping", "shipment.shipped", { orderId: id });
			expect((await getOrder(id)).body.status).toBe(status);
			return id;
		}

		it.each(["pending", "confirmed", "paid"] as const)("DELETE cancels a %s order with reason customer", async status => {
			const id = await orderIn(status);
			const r = await api.del(`/api/v1/orders/${id}`, { token: ann.token });
			expect(r.status).toBe(200);
			expect(r.body).toMatchObject({ status: "cancelled", cancelReason: "customer" });
			expect(r.body.statusHistory.at(-1)).toMatchObject({ status: "cancelled", by: ann.id });
			// Delivered after the answer (lib/outbox/relay-lane.ts).
			const event = await eventually("order.cancelled", async () => fakes.eventsOf(id).find(e => e.type === "order.cancelled"));
			expect(event.data).toEqual({
				orderId: id,
				userId: ann.id,
				reason: "customer",
				previousStatus: status,
				total: 5,
				currency: "EUR"
			});
		});

		it("DELETE answers 409 once shipped, or when already cancelled; 404 for someone else's order", async () => {
			const shipped = await orderIn("shipped");
			const r = await api.del(`/api/v1/orders/${shipped}`, { token: ann.token });
			expect(r.status).toBe(409);
			expect(r.body.error).toMatchObject({ type: "ILLEGAL_TRANSITION", code: 409 });
			expect((await getOrder(shipped)).body.status).toBe("shipped");

			const pending = await orderIn("pending");
			expect((await api.del(`/api/v1/orders/${pending}`, { token: bob.token })).status).toBe(404);
			expect((await api.del(`/api/v1/orders/${pending}`, { token: ann.token })).status).toBe(200);
			expect((await api.del(`/api/v1/orders/${pending}`, { token: ann.token })).status).toBe(409);
		});

		it("an admin's DELETE of someone else's order cancels with reason admin", async () => {
			const id = await orderIn("confirmed");
			const r = await api.del(`/api/v1/orders/${id}`, { token: boss.token });
			expect(r.body).toMatchObject({ status: "cancelled", cancelReason: "admin" });
		});

		it("PUT /orders/:id/status: admin only; ships, delivers, cancels; 409 for an illegal move", async () => {
			const id = await orderIn("paid");
			expect((await api.put(`/api/v1/orders/${id}/status`, { status: "shipped" }, { token: ann.token })).status).toBe(403);

			const shipped = await api.put(`/api/v1/orders/${id}/status`, { status: "shipped" }, { token: boss.token });
			expect(shipped.status).toBe(200);
			expect(shipped.body.statusHistory.at(-1)).toMatchObject({ status: "shipped", by: boss.id });
			await eventually("order.shipped", async () => fakes.eventsOf(id).some(e => e.type === "order.shipped"));

			const cancel = await api.put(`/api/v1/orders/${id}/status`, { status: "cancelled", reason: "admin" }, { token: boss.token });
			expect(cancel.status).toBe(409);
			expect(cancel.body.error).toMatchObject({ type: "ILLEGAL_TRANSITION", data: { from: "shipped", to: "cancelled" } });

			const back = await api.put(`/api/v1/orders/${id}/status`, { status: "paid" }, { token: boss.token });
			expect(back.status).toBe(409);
			expect((await api.put(`/api/v1/orders/${id}/status`, { status: "delivered" }, { token: boss.token })).body.status).toBe(
				"delivered"
			);
			expect((await api.put(`/api/v1/orders/${id}/status`, { status: "delivered" }, { token: boss.token })).status).toBe(409);
			expect((await api.put(`/api/v1/orders/${id}/status`, { status: "lost" }, { token: boss.token })).status).toBe(422);
			expect((await api.put(`/api/v1/orders/nope/status`, { status: "shipped" }, { token: boss.token })).status).toBe(404);
		});

		it("PUT cancels with reason admin and a note; confirmed cannot be set by hand", async () => {
			const id = await orderIn("confirmed");
			expect((await api.put(`/api/v1/orders/${id}/status`, { status: "paid" }, { token: boss.token })).status).toBe(409);
			const r = await api.put(
				`/api/v1/orders/${id}/status`,
				{ status: "cancelled", reason: "fraud suspected" },
				{ token: boss.token }
			);
			expect(r.body).toMatchObject({ status: "cancelled", cancelReason: "admin" });
			expect(r.body.statusHistory.at(-1)).toMatchObject({ status: "cancelled", by: boss.id, note: "fraud suspected" });
			const event = await eventually("order.cancelled", async () => fakes.eventsOf(id).find(e => e.type === "order.cancelled"));
			expect(event.data).toMatchObject({ reason: "admin", previousStatus: "confirmed" });
		});
	});

	describe("reconciler", () => {
		it("re-drives stuck pending, confirmed and unshipped paid orders once per period, and leaves the others alone", async () => {
			const p = fakes.addProduct({ price: 1 });
			const pending = await placed(ann, [{ productId: p.id, quantity: 1 }]);
			const confirmed = await placed(ann, [{ productId: p.id, quantity: 1 }]);
			await emitAs(stack.broker, "inventory", "inventory.reserved", { orderId: confirmed.id });
			const paid = await placed(ann, [{ productId: p.id, quantity: 1 }]);
			await emitAs(stack.broker, "inventory", "inventory.reserved", { orderId: paid.id });
			await emitAs(stack.broker, "payments", "payment.succeeded", { orderId: paid.id });
			const shipped = await placed(ann, [{ productId: p.id, quantity: 1 }]);
			await emitAs(stack.broker, "inventory", "inventory.reserved", { orderId: shipped.id });
			await emitAs(stack.broker, "payments", "payment.succeeded", { orderId: shipped.id });
			await emitAs(stack.broker, "shipping", "shipment.created", { orderId: shipped.id, shipmentId: "shipment-1" });
			await eventually("the shipment noted", async () => (await store().findById(shipped.id)).shipmentId === "shipment-1");

			// Nothing is older than a minute yet.
			expect((await stack.broker.call("orders.reconcile", {})) as any).toMatchObject({ pending: 0, confirmed: 0, paid: 0 });
			expect(await stack.broker.call("orders.reconcile", { olderThanMs: 60_000 })).toMatchObject({
				pending: 0,
				confirmed: 0,
				paid: 0
			});

			fakes.reset();
			const r: any = await stack.broker.call("orders.reconcile", { olderThanMs: 0 });
			expect(r.orderIds).toEqual(expect.arrayContaining([pending.id, confirmed.id, paid.id]));
			expect(r.orderIds).not.toContain(shipped.id);
			await eventually(
				"re-driven events",
				async () => fakes.eventsOf(pending.id).length && fakes.eventsOf(confirmed.id).length && fakes.eventsOf(paid.id).length
			);
			expect(fakes.eventsOf(pending.id)).toEqual([
				expect.objectContaining({ type: "order.created", data: expect.objectContaining({ orderId: pending.id }) })
			]);
			const doc = await store().findById(confirmed.id);
			expect(fakes.eventsOf(confirmed.id)).toEqual([
				expect.objectContaining({
					type: "order.confirmed",
					data: expect.objectContaining({ paymentToken: doc.payment.token, amountMinor: 100 })
				})
			]);
			// Shipping answers a re-drive even when it has the shipment (shipment.created may be what was lost).
			expect(fakes.eventsOf(paid.id)).toEqual([
				expect.objectContaining({ type: "order.paid", data: expect.objectContaining({ orderId: paid.id, redrive: true }) })
			]);
			expect(fakes.eventsOf(shipped.id)).toEqual([]);

			// Just re-driven: not again within the period, again after it.
			await new Promise(res => setTimeout(res, 20));
			const again: any = await stack.broker.call("orders.reconcile", { olderThanMs: 10_000 });
			expect(again.orderIds).not.toContain(pending.id);
			const later: any = await stack.broker.call("orders.reconcile", { olderThanMs: 5 });
			expect(later.orderIds).toEqual(expect.arrayContaining([pending.id, confirmed.id]));

			// A re-driven reservation completes the flow as the first would have.
			await emitAs(stack.broker, "inventory", "inventory.reserved", { orderId: pending.id });
			expect((await getOrder(pending.id)).body.status).toBe("confirmed");
		});

		it("bounds a pass by `limit`", async () => {
			const p = fakes.addProduct({ price: 1 });
			for (let i = 0; i < 3; i++) await placed(bob, [{ productId: p.id, quantity: 1 }]);
			const r: any = await stack.broker.call("orders.reconcile", { olderThanMs: 0, limit: 2 });
			expect(r.scanned).toBe(2);
		});
	});
});
