/** The order state machine and its one write path, on the embedded store (in memory). */
import { createStore, type Store } from "../../lib/store";
import { ordersCollection, type OrderDoc, type OrderStatus } from "../../lib/orders/collections";
import { IllegalTransitionError, TRANSITIONS, canTransition, transitionOrder, updateOrderFields } from "../../lib/orders/order-state";
import { adminTransition } from "../../lib/orders/admin-status";

const ALL: OrderStatus[] = ["pending", "confirmed", "paid", "shipped", "delivered", "cancelled"];

function newOrder(status: OrderStatus = "pending"): Omit<OrderDoc, "id"> {
	const at = new Date().toISOString();
	return {
		userId: "u1",
		status,
		items: [{ productId: "p1", name: "P", priceMinor: 100, quantity: 1, subtotalMinor: 100 }],
		totalMinor: 100,
		currency: "EUR",
		shippingAddress: { line1: "x", city: "y", postalCode: "1", country: "DE" },
		statusHistory: [{ status, at, by: "u1" }],
		version: 0,
		redrivenAt: at,
		createdAt: at,
		updatedAt: at
	};
}

describe("order state machine", () => {
	let store: Store<OrderDoc>;

	beforeAll(async () => {
		store = createStore<OrderDoc>(ordersCollection, { uri: null, dataDir: null, connectTimeoutMs: 1000 });
		await store.connect();
	});
	afterAll(() => store.disconnect());

	it("allows exactly the documented moves", () => {
		const allowed = ALL.flatMap(from => ALL.filter(to => canTransition(from, to)).map(to => `${from}->${to}`));
		expect(allowed.sort()).toEqual(
			[
				"pending->confirmed",
				"confirmed->paid",
				"paid->shipped",
				"shipped->delivered",
				"pending->cancelled",
				"confirmed->cancelled",
				"paid->cancelled"
			].sort()
		);
		expect(TRANSITIONS.delivered).toEqual([]);
		expect(TRANSITIONS.cancelled).toEqual([]);
	});

	it("walks the happy path and records every move with time and actor", async () => {
		const { id } = await store.insert(newOrder());
		for (const [to, by] of [
			["confirmed", "inventory"],
			["paid", "payments"],
			["shipped", "shipping"],
			["delivered", "shipping"]
		] as const) {
			const r = await transitionOrder(store, id, { to, by });
			expect(r.order.status).toBe(to);
		}
		const order = (await store.findById(id))!;
		expect(order.statusHistory.map(e => `${e.status}:${e.by}`)).toEqual([
			"pending:u1",
			"confirmed:inventory",
			"paid:payments",
			"shipped:shipping",
			"delivered:shipping"
		]);
		expect(order.version).toBe(4);
		for (const e of order.statusHistory) expect(new Date(e.at).toISOString()).toBe(e.at);
	});

	it("refuses every other move with a 409 ILLEGAL_TRANSITION and changes nothing", async () => {
		for (const from of ALL) {
			for (const to of ALL.filter(t => !canTransition(from, t))) {
				const { id } = await store.insert(newOrder(from));
				const err = await transitionOrder(store, id, { to, by: "x", cancelReason: "admin" }).catch(e => e);
				expect(err).toBeInstanceOf(IllegalTransitionError);
				expect(err).toMatchObject({ code: 409, type: "ILLEGAL_TRANSITION", data: { orderId: id, from, to } });
				expect((await store.findById(id))!.version).toBe(0);
			}
		}
	});

	it("sets the cancel reason, and honours a narrower `from`", async () => {
		const { id } = await store.insert(newOrder("paid"));
		await expect(
			transitionOrder(store, id, { to: "cancelled", by: "payments", cancelReason: "payment_failed", from: ["confirmed"] })
		).rejects.toBeInstanceOf(IllegalTransitionError);
		const r = await transitionOrder(store, id, { to: "cancelled", by: "u1", cancelReason: "customer" });
		expect(r.previousStatus).toBe("paid");
		expect(r.order).toMatchObject({ status: "cancelled", cancelReason: "customer" });
	});

	it("lets exactly one of many concurrent identical moves win (the others see it done)", async () => {
		const { id } = await store.insert(newOrder());
		const results = await Promise.allSettled(
			Array.from({ length: 25 }, (_, i) => transitionOrder(store, id, { to: "confirmed", by: `w${i}` }))
		);
		expect(results.filter(r => r.status === "fulfilled")).toHaveLength(1);
		expect(
			results.filter(r => r.status === "rejected").every(r => (r as PromiseRejectedResult).reason instanceof IllegalTransitionError)
		).toBe(true);
		const order = (await store.findById(id))!;
		expect(order.statusHistory.map(e => e.status)).toEqual(["pending", "confirmed"]);
	});

	it("never loses a history entry when different writers race (cancel vs confirm, field updates)", async () => {
		for (let round = 0; round < 20; round++) {
			const { id } = await store.insert(newOrder());
			const outcomes = await Promise.allSettled([
				transitionOrder(store, id, { to: "confirmed", by: "inventory" }),
				transitionOrder(store, id, { to: "cancelled", by: "u1", cancelReason: "customer" }),
				updateOrderFields(store, id, o => ({ payment: { ...(o.payment ?? {}), status: "pending", brand: `b${round}` } }))
			]);
			const order = (await store.findById(id))!;
			const statuses = order.statusHistory.map(e => e.status);
			// Either cancel won from pending, or confirm won and cancel followed from confirmed.
			expect([
				["pending", "cancelled"],
				["pending", "confirmed", "cancelled"]
			]).toContainEqual(statuses);
			expect(order.status).toBe("cancelled");
			expect(order.payment?.brand).toBe(`b${round}`);
			expect(order.version).toBe(statuses.length);
			if (statuses.length === 2) expect(outcomes[0].status).toBe("rejected");
		}
	});

	it("maps admin requests: cancel with reason admin (or a named reason), ship, deliver; refuses confirmed/paid", () => {
		expect(adminTransition("o", "paid", "cancelled", "a")).toMatchObject({ to: "cancelled", cancelReason: "admin" });
		expect(adminTransition("o", "paid", "cancelled", "a", "out_of_stock")).toMatchObject({ cancelReason: "out_of_stock" });
		expect(adminTransition("o", "paid", "cancelled", "a", "fraud suspected")).toMatchObject({
			cancelReason: "admin",
			note: "fraud suspected"
		});
		expect(adminTransition("o", "paid", "shipped", "a")).toMatchObject({ to: "shipped" });
		expect(() => adminTransition("o", "pending", "confirmed", "a")).toThrow(IllegalTransitionError);
		expect(() => adminTransition("o", "confirmed", "paid", "a")).toThrow(IllegalTransitionError);
	});
});
