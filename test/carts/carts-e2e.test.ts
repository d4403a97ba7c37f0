/**
 * The cart journey over HTTP on the real services (users, products, inventory, carts, orders,
 * payments, shipping), embedded store: fill a cart, check it out, and follow the order to paid.
 */
import { randomUUID } from "node:crypto";
import { startStack, type Stack } from "../helpers/stack";
import { ADDRESS, CARDS } from "../orders/support";
import { E2E_ENV, Shop, type Customer } from "../orders/shop";

describe("cart end to end (all services, embedded store)", () => {
	let stack: Stack;
	let shop: Shop;
	let ann: Customer;

	beforeAll(async () => {
		stack = await startStack({ env: E2E_ENV });
		shop = new Shop(stack.baseUrl);
		await shop.loginAdmin();
		ann = await shop.register("Ann");
	});
	afterAll(() => stack?.stop());

	const cart = async (c: Customer) => (await shop.api.get("/api/v1/cart", { token: c.token })).body;

	it("fills a cart, checks it out, and the order is paid with the stock reserved", async () => {
		const lamp = await shop.product(19.99, 10);
		const bulb = await shop.product(0.1, 50);
		expect((await shop.api.post("/api/v1/cart/items", { productId: lamp.id, quantity: 2 }, { token: ann.token })).status).toBe(201);
		await shop.api.post("/api/v1/cart/items", { productId: bulb.id, quantity: 3 }, { token: ann.token });
		await shop.api.post("/api/v1/cart/items", { productId: lamp.id, quantity: 1 }, { token: ann.token });
		expect(await cart(ann)).toMatchObject({
			items: [
				{ productId: lamp.id, name: lamp.name, price: 19.99, quantity: 3, subtotal: 59.97 },
				{ productId: bulb.id, name: bulb.name, price: 0.1, quantity: 3, subtotal: 0.3 }
			],
			total: 60.27,
			currency: lamp.currency
		});
		const unknown = await shop.api.post("/api/v1/cart/items", { productId: randomUUID(), quantity: 1 }, { token: ann.token });
		expect(unknown.status).toBe(422);
		expect(unknown.body.error.data.map((d: any) => d.field)).toEqual(["productId"]);

		// A price change before checkout: the order takes the catalog's price at checkout time.
		expect((await shop.api.put(`/api/v1/products/${bulb.id}`, { price: 0.15 }, { token: shop.adminToken })).status).toBe(200);
		const r = await shop.api.post("/api/v1/cart/checkout", { shippingAddress: ADDRESS, payment: CARDS.ok }, { token: ann.token });
		expect(r.status).toBe(201);
		expect(r.body).toMatchObject({
			status: "pending",
			items: [
				{ productId: lamp.id, quantity: 3, price: 19.99, subtotal: 59.97 },
				{ productId: bulb.id, quantity: 3, price: 0.15, subtotal: 0.45 }
			],
			total: 60.42
		});
		expect((await cart(ann)).items).toEqual([]);
		const paid = await shop.reaches(ann, r.body.id, "paid");
		expect(paid.payment).toMatchObject({ status: "succeeded", last4: "4242" });
		expect(await shop.available(lamp.id)).toBe(7);
		expect(await shop.available(bulb.id)).toBe(47);
		expect((await shop.payment(r.body.id, "succeeded")).amount).toBe(60.42);
	});

	it("a checkout with a declined card still places the order (then cancelled payment_failed), so the cart is emptied", async () => {
		const c = await shop.register("Declined");
		const p = await shop.product(5, 5);
		await shop.api.put(`/api/v1/cart/items/${p.id}`, { quantity: 2 }, { token: c.token });
		const r = await shop.api.post("/api/v1/cart/checkout", { shippingAddress: ADDRESS, payment: CARDS.declined }, { token: c.token });
		expect(r.status).toBe(201);
		expect(await shop.reaches(c, r.body.id, "cancelled")).toMatchObject({ cancelReason: "payment_failed" });
		expect((await cart(c)).items).toEqual([]);
		expect(await shop.available(p.id)).toBe(5);
	});

	it("an invalid card keeps the cart (no order); a retry with the same Idempotency-Key answers one order", async () => {
		const c = await shop.register("Retry");
		const p = await shop.product(2.5, 5);
		await shop.api.post("/api/v1/cart/items", { productId: p.id, quantity: 2 }, { token: c.token });
		const bad = await shop.api.post(
			"/api/v1/cart/checkout",
			{ shippingAddress: ADDRESS, payment: { ...CARDS.ok, cvc: "x" } },
			{ token: c.token }
		);
		expect(bad.status).toBe(422);
		expect(bad.body.error.data.map((d: any) => d.field)).toEqual(["payment.cvc"]);
		expect((await cart(c)).items).toHaveLength(1);

		const key = randomUUID();
		const body = { shippingAddress: ADDRESS, payment: CARDS.ok };
		const first = await shop.api.post("/api/v1/cart/checkout", body, { token: c.token, headers: { "Idempotency-Key": key } });
		const again = await shop.api.post("/api/v1/cart/checkout", body, { token: c.token, headers: { "Idempotency-Key": key } });
		expect(first.status).toBe(201);
		expect(again.body.id).toBe(first.body.id);
		await shop.reaches(c, first.body.id, "paid");
		expect((await shop.api.get("/api/v1/orders", { token: c.token })).body.total).toBe(1);
		expect(await shop.available(p.id)).toBe(3);
	});

	it("DELETE /cart empties it (204)", async () => {
		const c = await shop.register("Clear");
		const p = await shop.product(1, 1);
		await shop.api.post("/api/v1/cart/items", { productId: p.id, quantity: 1 }, { token: c.token });
		expect((await shop.api.del("/api/v1/cart", { token: c.token })).status).toBe(204);
		expect((await cart(c)).items).toEqual([]);
		const r = await shop.api.post("/api/v1/cart/checkout", { shippingAddress: ADDRESS, payment: CARDS.ok }, { token: c.token });
		expect(r.status).toBe(422);
	});
});
