/**
 * The whole checkout over HTTP on the real services (users, products, inventory, orders, payments,
 * shipping) in one in-process stack on the embedded store: the choreography of docs/order-flow.md
 * from POST /orders to delivered, every way it can end, and the money and stock it moves.
 */
import { randomUUID } from "node:crypto";
import path from "node:path";
import type { ServiceSchema } from "moleculer";
import { startStack, type Stack } from "../helpers/stack";
import { CARDS, eventually } from "./support";
import { E2E_ENV, Shop, type Customer } from "./shop";

describe("orders end to end (all services, embedded store)", () => {
	let stack: Stack;
	let shop: Shop;
	let ann: Customer;
	let bob: Customer;

	beforeAll(async () => {
		stack = await startStack({ env: E2E_ENV });
		shop = new Shop(stack.baseUrl);
		await shop.loginAdmin();
		[ann, bob] = await Promise.all([shop.register("Ann"), shop.register("Bob")]);
	});
	afterAll(() => stack?.stop());

	it("happy path: pending -> confirmed -> paid -> shipped -> delivered, stock sold", async () => {
		const p = await shop.product(25, 10);
		const placed = await shop.order(ann, [{ productId: p.id, quantity: 3 }]);
		expect(placed.status).toBe(201);
		expect(placed.body).toMatchObject({ status: "pending", total: 75, currency: p.currency, userId: ann.id });

		const paid = await shop.reaches(ann, placed.body.id, "paid");
		expect(paid.payment).toEqual({ status: "succeeded", brand: "visa", last4: "4242" });
		expect(await shop.payment(paid.id, "succeeded")).toMatchObject({ orderId: paid.id, amount: 75, status: "succeeded" });
		expect(await shop.stockItem(p.id)).toMatchObject({ onHand: 10, reserved: 3, available: 7 });

		const shipment = await shop.shipment(paid.id);
		expect(shipment).toMatchObject({ orderId: paid.id, userId: ann.id, status: "pending" });
		const shipped = await shop.api.put(`/api/v1/shipments/${shipment.id}/status`, { status: "shipped" }, { token: shop.adminToken });
		expect(shipped.status).toBe(200);
		await shop.reaches(ann, paid.id, "shipped");
		// Shipping turns the reservation into sold stock.
		await eventually("stock committed", async () => {
			const item = await shop.stockItem(p.id);
			return item.onHand === 7 && item.reserved === 0 && item.available === 7;
		});

		expect(
			(await shop.api.put(`/api/v1/shipments/${shipment.id}/status`, { status: "delivered" }, { token: shop.adminToken })).status
		).toBe(200);
		const delivered = await shop.reaches(ann, paid.id, "delivered");
		expect(delivered.statusHistory.map((e: any) => e.status)).toEqual(["pending", "confirmed", "paid", "shipped", "delivered"]);
		expect(delivered.statusHistory.map((e: any) => e.by)).toEqual([ann.id, "inventory", "payments", "shipping", "shipping"]);
		for (const e of delivered.statusHistory) expect(new Date(e.at).toISOString()).toBe(e.at);
	});

	it("out of stock: cancelled(out_of_stock), nothing reserved", async () => {
		const p = await shop.product(5, 1);
		const { id } = await shop.placed(ann, [{ productId: p.id, quantity: 2 }]);
		expect(await shop.reaches(ann, id, "cancelled")).toMatchObject({ cancelReason: "out_of_stock" });
		expect(await shop.stockItem(p.id)).toMatchObject({ onHand: 1, reserved: 0, available: 1 });
	});

	it.each([
		["declined", CARDS.declined, "declined"],
		["insufficient funds", CARDS.insufficientFunds, "insufficient_funds"],
		["processing error (retried, then failed)", CARDS.processingError, "processing_error"]
	])("%s card: cancelled(payment_failed), stock released", async (_label, card, reason) => {
		const p = await shop.product(7.5, 4);
		const { id } = await shop.placed(ann, [{ productId: p.id, quantity: 2 }], card);
		const order = await shop.reaches(ann, id, "cancelled");
		expect(order).toMatchObject({ cancelReason: "payment_failed", payment: { status: "failed", last4: card.cardNumber.slice(-4) } });
		expect(order.statusHistory.map((e: any) => e.status)).toEqual(["pending", "confirmed", "cancelled"]);
		expect(await shop.payment(id)).toMatchObject({ status: "failed", failureReason: reason });
		await eventually("stock released", async () => (await shop.stockItem(p.id)).reserved === 0);
		expect(await shop.available(p.id)).toBe(4);
	});

	it("customer cancels a paid order: stock back, money back (payment refunded)", async () => {
		const p = await shop.product(12.34, 5);
		const { id } = await shop.placed(ann, [{ productId: p.id, quantity: 2 }]);
		await shop.reaches(ann, id, "paid");
		expect(await shop.available(p.id)).toBe(3);
		const r = await shop.api.del(`/api/v1/orders/${id}`, { token: ann.token });
		expect(r.status).toBe(200);
		expect(r.body).toMatchObject({ status: "cancelled", cancelReason: "customer" });
		await eventually("stock back", async () => (await shop.available(p.id)) === 5);
		expect(await shop.payment(id, "refunded")).toMatchObject({ amount: 24.68 });
		await eventually(
			"order shows the refund",
			async () => (await shop.api.get(`/api/v1/orders/${id}`, { token: ann.token })).body.payment?.status === "refunded"
		);
		// Once cancelled, it stays cancelled.
		expect((await shop.api.del(`/api/v1/orders/${id}`, { token: ann.token })).status).toBe(409);
	});

	it("an admin refund of a paid order cancels it (reason refunded) and gives its stock back; of a shipped one, the order stays shipped", async () => {
		const p = await shop.product(7.5, 4);
		const { id } = await shop.placed(ann, [{ productId: p.id, quantity: 3 }]);
		await shop.reaches(ann, id, "paid");
		const payment = await shop.payment(id, "succeeded");
		const refund = await shop.api.post(`/api/v1/payments/${payment.id}/refund`, undefined, { token: shop.adminToken });
		expect(refund.status).toBe(200);
		await shop.reaches(ann, id, "cancelled");
		expect((await shop.api.get(`/api/v1/orders/${id}`, { token: ann.token })).body).toMatchObject({
			cancelReason: "refunded",
			payment: { status: "refunded" }
		});
		await eventually("stock back", async () => (await shop.available(p.id)) === 4);
		// Not refunded twice by the order.cancelled that followed.
		expect(await shop.payment(id, "refunded")).toMatchObject({ amount: 22.5 });

		const { id: shippedId } = await shop.placed(ann, [{ productId: p.id, quantity: 1 }]);
		await shop.reaches(ann, shippedId, "paid");
		const shipment = await shop.shipment(shippedId);
		await shop.api.put(`/api/v1/shipments/${shipment.id}/status`, { status: "shipped" }, { token: shop.adminToken });
		await shop.reaches(ann, shippedId, "shipped");
		const shippedPayment = await shop.payment(shippedId, "succeeded");
		expect((await shop.api.post(`/api/v1/payments/${shippedPayment.id}/refund`, undefined, { token: shop.adminToken })).status).toBe(
			200
		);
		await eventually("the shipped order shows the refund and stays shipped", async () => {
			const o = (await shop.api.get(`/api/v1/orders/${shippedId}`, { token: ann.token })).body;
			return o.payment?.status === "refunded" && o.status === "shipped";
		});
	});

	it("refuses to cancel a shipped order (409), and admins cannot move an order backwards (409)", async () => {
		const p = await shop.product(3, 5);
		const { id } = await shop.placed(ann, [{ productId: p.id, quantity: 1 }]);
		await shop.reaches(ann, id, "paid");
		const illegal = await shop.api.put(`/api/v1/orders/${id}/status`, { status: "delivered" }, { token: shop.adminToken });
		expect(illegal.status).toBe(409);
		expect(illegal.body.error.type).toBe("ILLEGAL_TRANSITION");
		const shipment = await shop.shipment(id);
		await shop.api.put(`/api/v1/shipments/${shipment.id}/status`, { status: "shipped" }, { token: shop.adminToken });
		await shop.reaches(ann, id, "shipped");
		expect((await shop.api.del(`/api/v1/orders/${id}`, { token: ann.token })).status).toBe(409);
		expect((await shop.api.put(`/api/v1/orders/${id}/status`, { status: "paid" }, { token: shop.adminToken })).status).toBe(409);
		expect((await shop.api.put(`/api/v1/orders/${id}/status`, { status: "cancelled" }, { token: shop.adminToken })).status).toBe(409);
	});

	it("an admin cancels a paid order with reason admin: stock and money back", async () => {
		const p = await shop.product(10, 2);
		const { id } = await shop.placed(bob, [{ productId: p.id, quantity: 2 }]);
		await shop.reaches(bob, id, "paid");
		const r = await shop.api.put(`/api/v1/orders/${id}/status`, { status: "cancelled", reason: "admin" }, { token: shop.adminToken });
		expect(r.status).toBe(200);
		expect(r.body).toMatchObject({ status: "cancelled", cancelReason: "admin" });
		await eventually("stock back", async () => (await shop.available(p.id)) === 2);
		await shop.payment(id, "refunded");
	});

	it("another user's order is 404 (GET, DELETE, by user)", async () => {
		const p = await shop.product(1, 5);
		const { id } = await shop.placed(ann, [{ productId: p.id, quantity: 1 }]);
		expect((await shop.api.get(`/api/v1/orders/${id}`, { token: bob.token })).status).toBe(404);
		expect((await shop.api.del(`/api/v1/orders/${id}`, { token: bob.token })).status).toBe(404);
		expect((await shop.api.get(`/api/v1/orders/user/${ann.id}`, { token: bob.token })).status).toBe(404);
		expect((await shop.api.get(`/api/v1/orders/${id}`, { token: ann.token })).status).toBe(200);
		expect((await shop.api.get(`/api/v1/orders/${id}`, { token: shop.adminToken })).status).toBe(200);
		const mine = await shop.api.get("/api/v1/orders?pageSize=100", { token: bob.token });
		expect(mine.body.items.map((o: any) => o.id)).not.toContain(id);
	});

	it("the same Idempotency-Key twice places one order (and reserves and charges once)", async () => {
		const c = await shop.register("Idem");
		const p = await shop.product(4, 10);
		const key = randomUUID();
		const [a, b] = await Promise.all([
			shop.order(c, [{ productId: p.id, quantity: 2 }], CARDS.ok, { "Idempotency-Key": key }),
			shop.order(c, [{ productId: p.id, quantity: 2 }], CARDS.ok, { "Idempotency-Key": key })
		]);
		expect([a.status, b.status].every(s => s === 201 || s === 200)).toBe(true);
		expect(b.body.id).toBe(a.body.id);
		const again = await shop.order(c, [{ productId: p.id, quantity: 2 }], CARDS.ok, { "Idempotency-Key": key });
		expect(again.body.id).toBe(a.body.id);
		await shop.reaches(c, a.body.id, "paid");
		const list = await shop.api.get("/api/v1/orders", { token: c.token });
		expect(list.body.total).toBe(1);
		expect(await shop.available(p.id)).toBe(8);
		const payments = await shop.api.get(`/api/v1/payments?orderId=${a.body.id}`, { token: shop.adminToken });
		expect(payments.body.total).toBe(1);
	});

	it("multi-line orders are all or nothing", async () => {
		const a = await shop.product(2, 5);
		const b = await shop.product(3, 1);
		const short = await shop.placed(ann, [
			{ productId: a.id, quantity: 2 },
			{ productId: b.id, quantity: 2 }
		]);
		expect(await shop.reaches(ann, short.id, "cancelled")).toMatchObject({ cancelReason: "out_of_stock" });
		expect(await shop.stockItem(a.id)).toMatchObject({ onHand: 5, reserved: 0, available: 5 });
		expect(await shop.stockItem(b.id)).toMatchObject({ onHand: 1, reserved: 0, available: 1 });

		const fits = await shop.placed(ann, [
			{ productId: a.id, quantity: 2 },
			{ productId: b.id, quantity: 1 }
		]);
		await shop.reaches(ann, fits.id, "paid");
		expect(await shop.stockItem(a.id)).toMatchObject({ reserved: 2, available: 3 });
		expect(await shop.stockItem(b.id)).toMatchObject({ reserved: 1, available: 0 });
	});

	it("keeps money exact: 0.10 and 19.99 times odd quantities, charged to the cent", async () => {
		const dime = await shop.product(0.1, 100);
		const odd = await shop.product(19.99, 100);
		const order = await shop.placed(ann, [
			{ productId: dime.id, quantity: 3 },
			{ productId: odd.id, quantity: 7 },
			{ productId: dime.id, quantity: 30 }
		]);
		expect(order.items).toEqual([
			expect.objectContaining({ productId: dime.id, price: 0.1, quantity: 33, subtotal: 3.3 }),
			expect.objectContaining({ productId: odd.id, price: 19.99, quantity: 7, subtotal: 139.93 })
		]);
		expect(order.total).toBe(143.23);
		await shop.reaches(ann, order.id, "paid");
		expect((await shop.payment(order.id, "succeeded")).amount).toBe(143.23);
	});

	it("unknown products and bad cards are 422 naming the field; nothing is placed", async () => {
		const c = await shop.register("Invalid");
		const p = await shop.product(1, 1);
		let r = await shop.order(c, [{ productId: randomUUID(), quantity: 1 }]);
		expect(r.status).toBe(422);
		expect(r.body.error.data.map((d: any) => d.field)).toEqual(["items[0].productId"]);
		r = await shop.order(c, [{ productId: p.id, quantity: 1 }], { ...CARDS.ok, cardNumber: "4242424242424241" });
		expect(r.status).toBe(422);
		expect(r.body.error.data.map((d: any) => d.field)).toEqual(["payment.cardNumber"]);
		r = await shop.order(c, [{ productId: p.id, quantity: 1 }], { ...CARDS.ok, expYear: 2001 });
		expect(r.status).toBe(422);
		expect(r.body.error.data.map((d: any) => d.field)).toContain("payment.expYear");
		expect((await shop.api.get("/api/v1/orders", { token: c.token })).body.total).toBe(0);
	});

	it("takes the shipping address from the address book by addressId", async () => {
		const c = await shop.register("Addr");
		const a = await shop.api.post(
			"/api/v1/users/me/addresses",
			{ line1: "5 Book Road", city: "Lyon", postalCode: "69001", country: "FR", name: "Addr" },
			{ token: c.token }
		);
		expect(a.status).toBe(201);
		const p = await shop.product(1, 2);
		const r = await shop.api.post(
			"/api/v1/orders",
			{ items: [{ productId: p.id, quantity: 1 }], addressId: a.body.id, payment: CARDS.ok },
			{ token: c.token }
		);
		expect(r.status).toBe(201);
		expect(r.body.shippingAddress).toEqual({ line1: "5 Book Road", city: "Lyon", postalCode: "69001", country: "FR", name: "Addr" });
		const other = await shop.api.post(
			"/api/v1/orders",
			{ items: [{ productId: p.id, quantity: 1 }], addressId: a.body.id, payment: CARDS.ok },
			{ token: bob.token }
		);
		expect(other.status).toBe(422);
		expect(other.body.error.data.map((d: any) => d.field)).toEqual(["addressId"]);
	});

	it("the reconciler re-drives a confirmed order whose order.confirmed was lost", async () => {
		const p = await shop.product(6, 3);
		// An order as it would be if inventory had reserved it and the confirmation event died with a node.
		const orders = stack.broker.getLocalService("orders") as any;
		const card: any = await stack.broker.call("payments.tokenize", { userId: ann.id, card: CARDS.ok });
		const placed = await shop.placed(ann, [{ productId: p.id, quantity: 1 }]);
		await shop.reaches(ann, placed.id, "paid");
		const stale = new Date(Date.now() - 60_000).toISOString();
		const doc = await orders.store("orders").insert({
			userId: ann.id,
			status: "confirmed",
			items: [{ productId: p.id, name: p.name, priceMinor: 600, quantity: 1, subtotalMinor: 600 }],
			totalMinor: 600,
			currency: p.currency,
			shippingAddress: { line1: "1 Lost Street", city: "Berlin", postalCode: "10115", country: "DE" },
			payment: { status: "pending", brand: card.brand, last4: card.last4, token: card.token },
			statusHistory: [
				{ status: "pending", at: stale, by: ann.id },
				{ status: "confirmed", at: stale, by: "inventory" }
			],
			version: 1,
			redrivenAt: stale,
			createdAt: stale,
			updatedAt: stale
		});
		const r: any = await stack.broker.call("orders.reconcile", { olderThanMs: 30_000 });
		expect(r.orderIds).toContain(doc.id);
		expect(r.orderIds).not.toContain(placed.id);
		await shop.reaches(ann, doc.id, "paid");
		expect((await shop.payment(doc.id, "succeeded")).amount).toBe(6);
	});
});

describe("orders end to end: cancelling before the flow moves on, and events that waited for inventory", () => {
	let stack: Stack;
	let shop: Shop;
	let ann: Customer;

	// Without inventory, orders stay pending: nobody reserves (their order.created waits in the outbox).
	beforeAll(async () => {
		stack = await startStack({
			services: ["api", "users", "products", "orders", "payments", "shipping"],
			env: { ...E2E_ENV, OUTBOX_POLL_MS: "100", OUTBOX_RETRY_MAX_MS: "500" }
		});
		shop = new Shop(stack.baseUrl);
		await shop.loginAdmin();
		ann = await shop.register("Ann");
	});
	afterAll(() => stack?.stop());

	async function productWithoutStock(price: number) {
		const r = await shop.api.post(
			"/api/v1/products",
			{ name: `P ${randomUUID().slice(0, 6)}`, price, category: "e2e" },
			{ token: shop.adminToken }
		);
		expect(r.status).toBe(201);
		return r.body;
	}

	it("customer cancels a pending order", async () => {
		const p = await productWithoutStock(2);
		const { id } = await shop.placed(ann, [{ productId: p.id, quantity: 1 }]);
		await new Promise(r => setTimeout(r, 100));
		expect((await shop.api.get(`/api/v1/orders/${id}`, { token: ann.token })).body.status).toBe("pending");
		const r = await shop.api.del(`/api/v1/orders/${id}`, { token: ann.token });
		expect(r.status).toBe(200);
		expect(r.body).toMatchObject({ status: "cancelled", cancelReason: "customer" });
		expect(r.body.statusHistory.map((e: any) => e.status)).toEqual(["pending", "cancelled"]);
	});

	it("delivers what waited for inventory once it is back: the product gets its stock, a pending order completes to paid", async () => {
		// Created while no inventory runs: product.created waits in the products outbox (CONSUMERS in lib/messaging/routes.ts).
		const created = await shop.api.post(
			"/api/v1/products",
			{ name: `P ${randomUUID().slice(0, 6)}`, price: 9.99, category: "e2e", stock: 5 },
			{ token: shop.adminToken }
		);
		expect(created.status).toBe(201);
		const p = created.body;
		const inventory = stack.broker.loadService(path.resolve(__dirname, "../../services/inventory.service"));
		await stack.broker.waitForServices(["inventory"], 10_000);
		await eventually("the stock record, from the product.created that waited", async () => (await shop.available(p.id)) === 5);

		// Down again while an order is placed: it stays pending, its order.created waits in the orders outbox.
		await stack.broker.destroyService(inventory);
		const { id } = await shop.placed(ann, [{ productId: p.id, quantity: 2 }]);
		await new Promise(r => setTimeout(r, 300));
		expect((await shop.api.get(`/api/v1/orders/${id}`, { token: ann.token })).body.status).toBe("pending");

		stack.broker.loadService(path.resolve(__dirname, "../../services/inventory.service"));
		await stack.broker.waitForServices(["inventory"], 10_000);
		const paid = await shop.reaches(ann, id, "paid");
		expect(paid.statusHistory.map((e: any) => e.status)).toEqual(["pending", "confirmed", "paid"]);
		expect(await shop.available(p.id)).toBe(3);
	});
});

describe("orders end to end: cancelling a confirmed order", () => {
	let stack: Stack;
	let shop: Shop;
	let ann: Customer;
	// Payments that tokenize but never charge, so confirmed orders stay confirmed.
	const idlePayments: ServiceSchema = {
		name: "payments",
		actions: {
			tokenize: (ctx: any) => ({ token: `tok_${randomUUID()}`, brand: "visa", last4: String(ctx.params.card.cardNumber).slice(-4) })
		}
	};

	beforeAll(async () => {
		stack = await startStack({
			services: ["api", "users", "products", "inventory", "orders", "shipping"],
			extraServices: [idlePayments],
			env: E2E_ENV
		});
		shop = new Shop(stack.baseUrl);
		await shop.loginAdmin();
		ann = await shop.register("Ann");
	});
	afterAll(() => stack?.stop());

	it("customer cancels a confirmed order: the reservation is released", async () => {
		const p = await shop.product(4, 3);
		const { id } = await shop.placed(ann, [{ productId: p.id, quantity: 2 }]);
		await shop.reaches(ann, id, "confirmed");
		expect(await shop.stockItem(p.id)).toMatchObject({ reserved: 2, available: 1 });
		const r = await shop.api.del(`/api/v1/orders/${id}`, { token: ann.token });
		expect(r.status).toBe(200);
		expect(r.body).toMatchObject({ status: "cancelled", cancelReason: "customer" });
		await eventually("stock back", async () => (await shop.available(p.id)) === 3);
		expect(await shop.stockItem(p.id)).toMatchObject({ onHand: 3, reserved: 0 });
	});
});
