/**
 * 200 concurrent POST /orders of one unit each for a product with 20 in stock, through the real
 * gateway and all real services: exactly 20 orders are paid, 180 cancelled out_of_stock, nothing
 * is oversold, and inventory's counters agree with the orders. The same suite runs on each
 * storage: the embedded SQLite store, PostgreSQL, and the MongoDB path.
 */
import { startMongoServer } from "../helpers/mongo-server";
import { PG_HOST, PG_PORT, createTestDatabase } from "../helpers/postgres";
import { describeWithServer } from "../helpers/servers";
import { startStack, type Stack } from "../helpers/stack";
import { CARDS, eventually } from "./support";
import { E2E_ENV, Shop, type Customer } from "./shop";

const ORDERS = 200;
const STOCK = 20;
const CUSTOMERS = 10;

interface Storage {
	env: Record<string, string | undefined>;
	cleanup(): Promise<void>;
}

function concurrencySuite(describeFn: jest.Describe, label: string, prepare: () => Promise<Storage>) {
	describeFn(`${ORDERS} concurrent orders for ${STOCK} in stock on ${label}`, () => {
		let storage: Storage | undefined;
		let stack: Stack | undefined;
		let shop: Shop;

		beforeAll(async () => {
			storage = await prepare();
			stack = await startStack({ env: { ...E2E_ENV, ...storage.env } });
			shop = new Shop(stack.baseUrl);
			await shop.loginAdmin();
		}, 60_000);

		afterAll(async () => {
			await stack?.stop();
			await storage?.cleanup();
		}, 60_000);

		it("pays exactly the stock, cancels the rest out_of_stock, and never oversells", async () => {
			const product = await shop.product(9.99, STOCK);
			const customers: Customer[] = [];
			for (let i = 0; i < CUSTOMERS; i++) customers.push(await shop.register(`Buyer ${i}`));

			const responses = await Promise.all(
				Array.from({ length: ORDERS }, (_, i) =>
					shop.order(customers[i % CUSTOMERS], [{ productId: product.id, quantity: 1 }], CARDS.ok)
				)
			);
			const failed = responses.filter(r => r.status !== 201);
			expect(failed.map(r => `${r.status} ${JSON.stringify(r.body)}`)).toEqual([]);
			const ids = new Set(responses.map(r => r.body.id));
			expect(ids.size).toBe(ORDERS);

			// Every order reaches the end of the checkout: paid or cancelled.
			await eventually(
				"every order to be paid or cancelled",
				async () => (await shop.countOrders("paid")) + (await shop.countOrders("cancelled")) === ORDERS,
				90_000,
				250
			);
			expect(await shop.countOrders("paid")).toBe(STOCK);
			expect(await shop.countOrders("cancelled")).toBe(ORDERS - STOCK);
			expect(await shop.countOrders("pending")).toBe(0);
			expect(await shop.countOrders("confirmed")).toBe(0);

			const cancelled: any[] = [];
			for (let page = 1; cancelled.length < ORDERS - STOCK; page++) {
				const r = await shop.api.get(`/api/v1/orders?status=cancelled&page=${page}&pageSize=100`, { token: shop.adminToken });
				expect(r.status).toBe(200);
				if (!r.body.items.length) break;
				cancelled.push(...r.body.items);
			}
			expect(cancelled.filter(o => o.cancelReason !== "out_of_stock")).toEqual([]);

			// Inventory agrees: all of the stock is held by the paid orders, none is available.
			expect(await shop.available(product.id)).toBe(0);
			const item = await shop.stockItem(product.id);
			expect(item).toMatchObject({ onHand: STOCK, reserved: STOCK, available: 0 });
			expect(item.onHand - item.reserved).toBe(item.available);

			// Payments agree: one succeeded charge per paid order, nothing for the others.
			const paid = await shop.api.get("/api/v1/orders?status=paid&pageSize=100", { token: shop.adminToken });
			const charges = await Promise.all(paid.body.items.map((o: any) => shop.payment(o.id, "succeeded")));
			expect(charges.map(c => c.amount)).toEqual(Array(STOCK).fill(9.99));
			const allPayments = await shop.api.get("/api/v1/payments?pageSize=1", { token: shop.adminToken });
			expect(allPayments.body.total).toBe(STOCK);

			// Shipping the paid orders turns the reservation into sold stock: reserved + sold stays the stock.
			const toShip = paid.body.items.slice(0, 5);
			for (const o of toShip) {
				const s = await shop.shipment(o.id);
				const r = await shop.api.put(`/api/v1/shipments/${s.id}/status`, { status: "shipped" }, { token: shop.adminToken });
				expect(r.status).toBe(200);
				await shop.reaches(shop.adminToken, o.id, "shipped");
			}
			await eventually("stock committed", async () => {
				const after = await shop.stockItem(product.id);
				return after.reserved === STOCK - toShip.length && after.onHand === STOCK - toShip.length && after.available === 0;
			});
		}, 150_000);
	});
}

concurrencySuite(describe, "the embedded SQLite store", async () => ({ env: { DB_URI: undefined }, cleanup: async () => undefined }));

concurrencySuite(describeWithServer("PostgreSQL", PG_HOST, PG_PORT), "PostgreSQL", async () => {
	const db = await createTestDatabase("orders_concurrency");
	return { env: { DB_URI: db.uri }, cleanup: () => db.drop() };
});

concurrencySuite(describe, "MongoDB wire protocol (CongoDB in-process, not a real mongod)", async () => {
	const server = await startMongoServer();
	// CongoDB advertises topologyVersion but answers the driver's awaitable (streaming) hello without moreToCome: the
	// heartbeat then fails ("Server ended moreToCome unexpectedly") and clears the pool under load. Polling monitoring
	// avoids it; a real mongod needs no such option.
	return { env: { DB_URI: server.uri }, cleanup: () => server.stop() };
});
