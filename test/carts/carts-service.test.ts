/**
 * The carts service with the real orders service, through the real gateway; users, products,
 * payments and inventory are fakes (test/orders/fakes.ts) and tokens are minted with the test
 * JWT_SECRET (test/setup-env.js). carts-e2e.test.ts runs the same journey on the real services.
 */
import { randomUUID } from "node:crypto";
import { addLine, removeLine, setLine, subtractLines } from "../../lib/carts/cart-lines";
import { client, type Client } from "../helpers/http";
import { startStack, type Stack } from "../helpers/stack";
import { createFakes, type Fakes } from "../orders/fakes";
import { ADDRESS, CARDS, customer, eventually, type TestUser } from "../orders/support";

describe("cart lines", () => {
	it("adds, sets, removes and subtracts without mutating", () => {
		const lines = [{ productId: "a", quantity: 1 }];
		expect(addLine(lines, "a", 2)).toEqual([{ productId: "a", quantity: 3 }]);
		expect(addLine(lines, "b", 1)).toEqual([
			{ productId: "a", quantity: 1 },
			{ productId: "b", quantity: 1 }
		]);
		expect(lines).toEqual([{ productId: "a", quantity: 1 }]);
		expect(() => addLine(lines, "a", 100)).toThrow(
			expect.objectContaining({ code: 422, data: [expect.objectContaining({ field: "quantity" })] })
		);
		expect(setLine(lines, "a", 0)).toEqual([]);
		expect(setLine(lines, "a", 7)).toEqual([{ productId: "a", quantity: 7 }]);
		expect(removeLine(lines, "x")).toEqual(lines);
		const many = Array.from({ length: 50 }, (_, i) => ({ productId: `p${i}`, quantity: 1 }));
		expect(() => addLine(many, "new", 1)).toThrow(
			expect.objectContaining({ data: [expect.objectContaining({ field: "productId", type: "cartFull" })] })
		);
		// What an order took is subtracted; what was added meanwhile stays.
		expect(
			subtractLines(
				[
					{ productId: "a", quantity: 3 },
					{ productId: "b", quantity: 1 },
					{ productId: "c", quantity: 2 }
				],
				[
					{ productId: "a", quantity: 2 },
					{ productId: "b", quantity: 1 }
				]
			)
		).toEqual([
			{ productId: "a", quantity: 1 },
			{ productId: "c", quantity: 2 }
		]);
	});
});

describe("carts service (with the orders service and fake neighbours)", () => {
	let stack: Stack;
	let api: Client;
	let fakes: Fakes;

	beforeAll(async () => {
		fakes = createFakes();
		stack = await startStack({
			services: ["api", "carts", "orders"],
			extraServices: fakes.services,
			env: { RATE_LIMIT_MAX: "100000", ORDER_RECONCILE_INTERVAL_MS: "0", LOG_LEVEL: "error" }
		});
		api = client(stack.baseUrl);
	});
	afterAll(() => stack?.stop());

	const add = (u: TestUser, productId: string, quantity: number, headers?: Record<string, string>) =>
		api.post("/api/v1/cart/items", { productId, quantity }, { token: u.token, headers });
	const cart = async (u: TestUser) => (await api.get("/api/v1/cart", { token: u.token })).body;
	const fieldsOf = (body: any): string[] => (body?.error?.data ?? []).map((d: any) => d.field);
	const checkout = (u: TestUser, body: Record<string, unknown> = {}, headers?: Record<string, string>) =>
		api.post("/api/v1/cart/checkout", { shippingAddress: ADDRESS, payment: CARDS.ok, ...body }, { token: u.token, headers });

	it("needs a signed-in user", async () => {
		expect((await api.get("/api/v1/cart")).status).toBe(401);
		expect((await api.post("/api/v1/cart/items", { productId: "x", quantity: 1 })).status).toBe(401);
	});

	it("starts empty", async () => {
		const u = customer();
		const r = await api.get("/api/v1/cart", { token: u.token });
		expect(r.status).toBe(200);
		expect(r.body).toEqual({ userId: u.id, items: [], itemCount: 0, total: 0, currency: null, updatedAt: null });
	});

	it("adds products (quantities add up) and shows current names, prices, exact subtotals and total", async () => {
		const u = customer();
		const dime = fakes.addProduct({ name: "Dime", price: 0.1 });
		const odd = fakes.addProduct({ name: "Odd", price: 19.99 });
		const first = await add(u, dime.id, 1);
		expect(first.status).toBe(201);
		await add(u, odd.id, 7);
		const r = await add(u, dime.id, 2);
		expect(r.body).toMatchObject({
			userId: u.id,
			items: [
				{ productId: dime.id, name: "Dime", price: 0.1, currency: "EUR", quantity: 3, subtotal: 0.3, available: true },
				{ productId: odd.id, name: "Odd", price: 19.99, currency: "EUR", quantity: 7, subtotal: 139.93, available: true }
			],
			itemCount: 10,
			total: 140.23,
			currency: "EUR"
		});
		// Prices are the catalog's at the time of reading.
		fakes.products.set(odd.id, { ...odd, price: 20 });
		expect((await cart(u)).total).toBe(140.3);
	});

	it("refuses unknown products, bad quantities, more than 100 of a product and a second currency (422)", async () => {
		const u = customer();
		const eur = fakes.addProduct({ price: 1 });
		const usd = fakes.addProduct({ price: 1, currency: "USD" });
		let r = await add(u, "nope", 1);
		expect(r.status).toBe(422);
		expect(fieldsOf(r.body)).toEqual(["productId"]);
		expect(fieldsOf((await add(u, eur.id, 0)).body)).toEqual(["quantity"]);
		expect(fieldsOf((await add(u, eur.id, 101)).body)).toEqual(["quantity"]);
		expect((await add(u, eur.id, 60)).status).toBe(201);
		r = await add(u, eur.id, 41);
		expect(r.status).toBe(422);
		expect(fieldsOf(r.body)).toEqual(["quantity"]);
		r = await add(u, usd.id, 1);
		expect(r.status).toBe(422);
		expect(r.body.error.data[0]).toMatchObject({ field: "productId", type: "currencyMismatch" });
		expect((await api.post("/api/v1/cart/items", { productId: eur.id, quantity: 1, price: 0 }, { token: u.token })).status).toBe(422);
		expect((await cart(u)).items).toEqual([expect.objectContaining({ productId: eur.id, quantity: 60 })]);
	});

	it("adds once per Idempotency-Key", async () => {
		const u = customer();
		const p = fakes.addProduct({ price: 1 });
		const key = randomUUID();
		await add(u, p.id, 2, { "Idempotency-Key": key });
		const again = await add(u, p.id, 2, { "Idempotency-Key": key });
		expect(again.status).toBe(201);
		expect(again.body.items[0].quantity).toBe(2);
		await add(u, p.id, 2, { "Idempotency-Key": randomUUID() });
		expect((await cart(u)).items[0].quantity).toBe(4);
	});

	it("applies concurrent additions to one cart all (compare-and-set, not last-writer-wins)", async () => {
		const u = customer();
		const p = fakes.addProduct({ price: 1 });
		const q = fakes.addProduct({ price: 2 });
		const results = await Promise.all([
			...Array.from({ length: 15 }, () => add(u, p.id, 1)),
			...Array.from({ length: 10 }, () => add(u, q.id, 2))
		]);
		expect(results.every(r => r.status === 201)).toBe(true);
		const c = await cart(u);
		expect(Object.fromEntries(c.items.map((l: any) => [l.productId, l.quantity]))).toEqual({ [p.id]: 15, [q.id]: 20 });
		expect(c.total).toBe(55);
	});

	it("PUT sets a quantity (0 removes; an unknown product is 404), DELETE removes a line, DELETE /cart empties", async () => {
		const u = customer();
		const p = fakes.addProduct({ price: 3 });
		const q = fakes.addProduct({ price: 4 });
		await add(u, p.id, 1);
		let r = await api.put(`/api/v1/cart/items/${p.id}`, { quantity: 5 }, { token: u.token });
		expect(r.status).toBe(200);
		expect(r.body.items).toEqual([expect.objectContaining({ productId: p.id, quantity: 5, subtotal: 15 })]);
		r = await api.put(`/api/v1/cart/items/${q.id}`, { quantity: 2 }, { token: u.token });
		expect(r.body.items.map((l: any) => l.productId)).toEqual([p.id, q.id]);
		r = await api.put(`/api/v1/cart/items/nope`, { quantity: 2 }, { token: u.token });
		expect(r.status).toBe(404);
		expect(r.body.error.data).toMatchObject({ field: "productId" });
		expect(fieldsOf((await api.put(`/api/v1/cart/items/${p.id}`, { quantity: 101 }, { token: u.token })).body)).toEqual(["quantity"]);
		r = await api.put(`/api/v1/cart/items/${q.id}`, { quantity: 0 }, { token: u.token });
		expect(r.body.items.map((l: any) => l.productId)).toEqual([p.id]);
		r = await api.del(`/api/v1/cart/items/${p.id}`, { token: u.token });
		expect(r.status).toBe(200);
		expect(r.body.items).toEqual([]);
		expect((await api.del(`/api/v1/cart/items/${p.id}`, { token: u.token })).status).toBe(200);

		await add(u, p.id, 1);
		const cleared = await api.del("/api/v1/cart", { token: u.token });
		expect(cleared.status).toBe(204);
		expect((await cart(u)).items).toEqual([]);
		expect((await api.del("/api/v1/cart", { token: customer().token })).status).toBe(204);
	});

	it("shows a product that left the catalog as unavailable, outside the total", async () => {
		const u = customer();
		const p = fakes.addProduct({ price: 3 });
		const gone = fakes.addProduct({ price: 4 });
		await add(u, p.id, 1);
		await add(u, gone.id, 1);
		fakes.products.delete(gone.id);
		const c = await cart(u);
		expect(c.items[1]).toEqual({ productId: gone.id, quantity: 1, available: false });
		expect(c.total).toBe(3);
	});

	it("keeps carts apart per user", async () => {
		const a = customer();
		const b = customer();
		const p = fakes.addProduct({ price: 1 });
		await add(a, p.id, 3);
		expect((await cart(b)).items).toEqual([]);
	});

	describe("checkout", () => {
		it("places an order from the cart's lines at catalog prices, then empties the cart", async () => {
			const u = customer();
			const p = fakes.addProduct({ name: "Lamp", price: 19.99 });
			const q = fakes.addProduct({ name: "Bulb", price: 0.1 });
			await add(u, p.id, 3);
			await add(u, q.id, 5);
			fakes.products.set(p.id, { ...p, price: 18.5 });
			const r = await checkout(u);
			expect(r.status).toBe(201);
			expect(r.headers.get("location")).toBe(`/api/v1/orders/${r.body.id}`);
			expect(r.body).toMatchObject({
				userId: u.id,
				status: "pending",
				items: [
					{ productId: p.id, name: "Lamp", price: 18.5, quantity: 3, subtotal: 55.5 },
					{ productId: q.id, name: "Bulb", price: 0.1, quantity: 5, subtotal: 0.5 }
				],
				total: 56,
				currency: "EUR"
			});
			expect((await cart(u)).items).toEqual([]);
			const order = await api.get(`/api/v1/orders/${r.body.id}`, { token: u.token });
			expect(order.body.id).toBe(r.body.id);
			await eventually("order.created", async () => fakes.eventsOf(r.body.id).some(e => e.type === "order.created"));
		});

		it("answers 422 for an empty cart", async () => {
			const r = await checkout(customer());
			expect(r.status).toBe(422);
			expect(fieldsOf(r.body)).toEqual(["items"]);
		});

		it("keeps the cart when the order cannot be placed (bad card, unknown product, missing address)", async () => {
			const u = customer();
			const p = fakes.addProduct({ price: 1 });
			await add(u, p.id, 2);
			let r = await checkout(u, { payment: { ...CARDS.ok, cardNumber: "1234" } });
			expect(r.status).toBe(422);
			expect(fieldsOf(r.body)).toEqual(["payment.cardNumber"]);
			r = await checkout(u, { shippingAddress: undefined });
			expect(fieldsOf(r.body)).toEqual(["shippingAddress"]);
			r = await checkout(u, { items: [{ productId: p.id, quantity: 1 }] });
			expect(fieldsOf(r.body)).toEqual(["items"]);
			fakes.products.delete(p.id);
			r = await checkout(u);
			expect(fieldsOf(r.body)).toEqual(["items[0].productId"]);
			expect((await cart(u)).items).toEqual([expect.objectContaining({ productId: p.id, quantity: 2 })]);
		});

		it("answers the first order to a retry with the same Idempotency-Key, even once the cart is empty", async () => {
			const u = customer();
			const p = fakes.addProduct({ price: 2 });
			await add(u, p.id, 1);
			const key = randomUUID();
			const first = await checkout(u, {}, { "Idempotency-Key": key });
			expect(first.status).toBe(201);
			const again = await checkout(u, {}, { "Idempotency-Key": key });
			expect([200, 201]).toContain(again.status);
			expect(again.body.id).toBe(first.body.id);
			expect(again.headers.get("idempotent-replayed")).toBe("true");
			// A retry after new items went into the cart still answers the first order and leaves them.
			await add(u, p.id, 4);
			const third = await checkout(u, {}, { "Idempotency-Key": key });
			expect(third.body.id).toBe(first.body.id);
			expect((await cart(u)).items).toEqual([expect.objectContaining({ productId: p.id, quantity: 4 })]);
			const orders = await api.get("/api/v1/orders", { token: u.token });
			expect(orders.body.total).toBe(1);
		});

		it("places one order for concurrent checkouts of the same cart, even without a key", async () => {
			const u = customer();
			const p = fakes.addProduct({ price: 2 });
			await add(u, p.id, 2);
			const results = await Promise.all(Array.from({ length: 5 }, () => checkout(u)));
			const ok = results.filter(r => r.status === 201 || r.status === 200);
			expect(ok.length).toBeGreaterThanOrEqual(1);
			// Those that came after the cart was emptied find it empty.
			for (const r of results.filter(x => !ok.includes(x))) expect(fieldsOf(r.body)).toEqual(["items"]);
			expect(new Set(ok.map(r => r.body.id)).size).toBe(1);
			expect((await api.get("/api/v1/orders", { token: u.token })).body.total).toBe(1);
			expect((await cart(u)).items).toEqual([]);
		});
	});
});
