/**
 * Cancellations are re-driven like every other stuck state (issue item 7, second half): a paid
 * order cancelled while no inventory, payments or shipping node was up, whose order.cancelled was
 * then lost (removed from the outbox here, as a crash on a database without transactions would lose
 * it), still gets its stock back, its charge refunded and its pending shipment called off, by the
 * reconciler, once those services are back. The whole app runs in one process on the embedded
 * store; "a node down" is its services destroyed and created again on the running broker.
 */
import type { ServiceSchema } from "moleculer";
import InventoryService from "../../services/inventory.service";
import PaymentsService from "../../services/payments.service";
import ShippingService from "../../services/shipping.service";
import { startStack, type Stack } from "../helpers/stack";
import { E2E_ENV, Shop } from "./shop";
import { eventually } from "./support";

type ReconcileAnswer = { cancelled: { scanned: number; settled: number; pending: number } };

describe("a cancelled order whose compensation was lost (all services, embedded store)", () => {
	let stack: Stack;
	let shop: Shop;

	beforeAll(async () => {
		stack = await startStack({ env: E2E_ENV });
		shop = new Shop(stack.baseUrl);
		await shop.loginAdmin();
	}, 60_000);
	afterAll(() => stack?.stop());

	const reconcile = () => stack.broker.call("orders.reconcile", { olderThanMs: 0 }) as Promise<ReconcileAnswer>;

	async function paidWithShipment(stock: number) {
		const product = await shop.product(12, stock);
		const customer = await shop.register();
		const order = await shop.placed(customer, [{ productId: product.id, quantity: 2 }]);
		await shop.reaches(customer, order.id, "paid");
		const shipment = await shop.shipment(order.id);
		expect(shipment.status).toBe("pending");
		return { product, customer, order };
	}

	it("settles a cancellation whose consumers all ran, and does not ask about it again", async () => {
		const { product, customer, order } = await paidWithShipment(5);
		expect((await shop.api.del(`/api/v1/orders/${order.id}`, { token: customer.token })).status).toBe(200);
		await eventually("stock back", async () => (await shop.available(product.id)) === 5);
		await shop.payment(order.id, "refunded");
		await eventually("shipment called off", async () => (await shop.shipment(order.id)).status === "cancelled");
		const first = await reconcile();
		expect(first.cancelled).toMatchObject({ settled: 1, pending: 0 });
		expect((await reconcile()).cancelled.scanned).toBe(0);
	});

	it("gives the stock back, refunds and calls the shipment off once the services are back", async () => {
		const { product, customer, order } = await paidWithShipment(4);
		expect(await shop.available(product.id)).toBe(2);

		const gone = ["inventory", "payments", "shipping"];
		for (const name of gone) await stack.broker.destroyService(stack.broker.getLocalService(name)!);
		// The cancellation goes through; its order.cancelled waits in the outbox for its consumers...
		const cancelled = await shop.api.del(`/api/v1/orders/${order.id}`, { token: customer.token });
		expect(cancelled.status).toBe(200);
		expect(cancelled.body.status).toBe("cancelled");
		// ...and is lost there, as it would be in the crash window of a database without transactions.
		const orders = stack.broker.getLocalService("orders") as unknown as {
			store(name: string): { removeMany(w: object): Promise<number> };
		};
		expect(await orders.store("orders_outbox").removeMany({ type: "order.cancelled" })).toBe(1);
		// Nobody to ask: the order stays owed.
		expect((await reconcile()).cancelled).toMatchObject({ settled: 0, pending: 1 });

		for (const schema of [InventoryService, PaymentsService, ShippingService]) stack.broker.createService(schema as ServiceSchema);
		await stack.broker.waitForServices(gone);
		expect(await shop.available(product.id)).toBe(2); // nothing re-drove it yet
		expect((await shop.payment(order.id)).status).toBe("succeeded");

		expect((await reconcile()).cancelled).toMatchObject({ settled: 1, pending: 0 });
		expect(await shop.available(product.id)).toBe(4);
		expect((await shop.payment(order.id)).status).toBe("refunded");
		expect((await shop.shipment(order.id)).status).toBe("cancelled");
		await eventually("the order showing the refund", async () => {
			const r = await shop.api.get(`/api/v1/orders/${order.id}`, { token: customer.token });
			return r.body.payment?.status === "refunded";
		});
		expect((await reconcile()).cancelled.scanned).toBe(0);
	}, 60_000);
});
