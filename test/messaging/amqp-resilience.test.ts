/**
 * The order flow over RabbitMQ (AMQP_URL) on the machine's broker, in a vhost of its own: work
 * waits in its queue while its consumer is down, a poison message is retried with backoff and
 * dead-lettered while the queue keeps flowing, and a connection closed from the broker side is
 * re-established without losing an order. The reconciler is off, so only the queues can complete
 * a flow; what the broker holds is checked with an independent AMQP client.
 */
import { randomUUID } from "node:crypto";
import type { Service } from "moleculer";
import type { MessagingHub } from "../../lib/messaging/hub";
import { startStack, type Stack } from "../helpers/stack";
import { createVhost, getMessage, independentClient, type TestVhost } from "../helpers/rabbitmq";
import { E2E_ENV, Shop, type Customer } from "../orders/shop";
import { eventually } from "../orders/support";
import { MESSAGING_TEST_ENV, RABBITMQ, consumedCount, describeWith } from "./support";

jest.setTimeout(120_000);

describeWith(RABBITMQ)("order flow over RabbitMQ: outages, poison messages, dropped connections", () => {
	let vhost: TestVhost;
	let stack: Stack;
	let shop: Shop;
	let ann: Customer;
	let env: Record<string, string>;

	const hub = () => (stack.broker.getLocalService("orders") as unknown as { messaging: MessagingHub }).messaging;
	const queueDepth = async (queue: string) => {
		const c = await independentClient(vhost.url);
		try {
			return (await c.channel.checkQueue(queue)).messageCount;
		} finally {
			await c.close();
		}
	};

	beforeAll(async () => {
		vhost = await createVhost("resilience");
		env = { ...E2E_ENV, ...MESSAGING_TEST_ENV, AMQP_URL: vhost.url, NAMESPACE: `amqp-${randomUUID().slice(0, 8)}` };
		stack = await startStack({ env });
		shop = new Shop(stack.baseUrl);
		await shop.loginAdmin();
		ann = await shop.register("Ann");
	});

	afterAll(async () => {
		await stack?.stop();
		await vhost?.drop();
	});

	it("declares the documented durable queues, each with its retry and dead-letter queue, and reports RabbitMQ ready", async () => {
		const c = await independentClient(vhost.url);
		try {
			for (const q of [
				"order_created",
				"inventory_reserved",
				"inventory_failed",
				"inventory_release",
				"order_confirmed",
				"payment_succeeded"
			]) {
				await c.channel.checkQueue(q);
				await c.channel.checkQueue(`${q}.retry`);
				await c.channel.checkQueue(`${q}.dlq`);
			}
		} finally {
			await c.close();
		}
		const ready = await shop.api.get("/api/v1/health/ready");
		expect(ready.status).toBe(200);
		expect(ready.body.brokers).toEqual({ rabbitmq: "up" });
		expect(await vhost.connections()).toContain(stack.broker.nodeID);
	});

	it("an order placed while the inventory service is down waits in order_created and completes once it is back", async () => {
		const p = await shop.product(5, 10);
		const inventory = stack.broker.getLocalService("inventory") as unknown as Service;
		await stack.broker.destroyService(inventory);

		const { id } = await shop.placed(ann, [{ productId: p.id, quantity: 3 }]);
		await eventually("order.created waiting in order_created", async () => (await queueDepth("order_created")) === 1);
		await new Promise(r => setTimeout(r, 500));
		expect((await shop.api.get(`/api/v1/orders/${id}`, { token: ann.token })).body.status).toBe("pending");

		// The inventory service starts again, on its data (DATA_DIR of this stack).
		const saved = { ...process.env };
		Object.assign(process.env, env, { DATA_DIR: stack.dataDir });
		try {
			stack.broker.loadService(require.resolve("../../services/inventory.service"));
		} finally {
			process.env = saved;
		}
		const order = await shop.reaches(ann, id, "paid", 30_000);
		expect(order.statusHistory.map((h: { status: string }) => h.status)).toEqual(["pending", "confirmed", "paid"]);
		expect(await shop.available(p.id)).toBe(7);
		expect(await queueDepth("order_created")).toBe(0);
	});

	it("a poison message is retried with backoff, then moved to order_created.dlq with its error, while the queue keeps flowing", async () => {
		const p = await shop.product(2, 10);
		const c = await independentClient(vhost.url);
		try {
			const poisonId = randomUUID();
			const poison = {
				specversion: "1.0",
				id: poisonId,
				source: "test",
				type: "order.created",
				time: new Date().toISOString(),
				subject: "poison",
				datacontenttype: "application/json",
				correlationid: poisonId,
				data: { orderId: `poison-${poisonId}`, items: "not a list of lines" }
			};
			c.channel.sendToQueue("order_created", Buffer.from(JSON.stringify(poison)), {
				persistent: true,
				messageId: poisonId,
				type: "order.created"
			});
			c.channel.sendToQueue("order_created", Buffer.from("this is not JSON"), { persistent: true, messageId: "garbage" });

			// Meanwhile, real orders go through.
			const ids = await Promise.all(
				Array.from({ length: 5 }, async () => (await shop.placed(ann, [{ productId: p.id, quantity: 1 }])).id)
			);
			for (const id of ids) await shop.reaches(ann, id, "paid");

			const dead = [await getMessage(c.channel, "order_created.dlq"), await getMessage(c.channel, "order_created.dlq")];
			const byId = Object.fromEntries(dead.map(m => [m.properties.messageId, m]));
			// Handled MESSAGING_RETRY_ATTEMPTS (4) times: three trips through order_created.retry, then dead-lettered.
			expect(byId[poisonId].properties.headers).toMatchObject({ "x-attempts": 4, "x-queue": "order_created" });
			expect(byId[poisonId].properties.headers!["x-error"]).toMatch(/TypeError/);
			expect(JSON.parse(byId[poisonId].content.toString())).toEqual(poison);
			// Not JSON: no retry can cure it, so dead-lettered at once.
			expect(byId.garbage.properties.headers).toMatchObject({ "x-attempts": 1 });
			expect(byId.garbage.properties.headers!["x-error"]).toMatch(/not JSON/);
			// Counted once the dead-letter publish is confirmed, which may reach us after the test read the DLQ.
			const count = (outcome: string) => consumedCount(stack.broker, { broker: "rabbitmq", source: "order_created", outcome });
			await eventually("both dead letters counted", async () => count("dead_lettered") >= 2);
			expect(count("retried")).toBe(3);
			expect(count("dead_lettered")).toBe(2);
			expect((await c.channel.checkQueue("order_created.retry")).messageCount).toBe(0);
		} finally {
			await c.close();
		}
		expect(await shop.available(p.id)).toBe(5);
	});

	it("a connection closed from the broker side mid-flow is re-established, and no order is lost", async () => {
		const p = await shop.product(3, 300);
		const reconnectsBefore = hub().rabbitmq!.reconnects;
		const ids: string[] = [];
		let closing: Promise<void> | null = null;
		let placedWhenClosed = -1;
		// Orders keep coming before, while and after rabbitmqctl close_all_connections runs for this vhost.
		for (let i = 0; i < 500 && !(placedWhenClosed >= 0 && ids.length >= placedWhenClosed + 20); i++) {
			const batch = await Promise.all(Array.from({ length: 2 }, () => shop.placed(ann, [{ productId: p.id, quantity: 1 }])));
			ids.push(...batch.map(o => o.id));
			if (i === 5) closing = vhost.closeConnections().then(() => void (placedWhenClosed = ids.length));
		}
		await closing;
		await eventually(
			"the connection re-established",
			async () => hub().rabbitmq!.reconnects > reconnectsBefore && hub().rabbitmq!.isConnected,
			30_000
		);
		for (const id of ids) await shop.reaches(ann, id, "paid", 60_000);
		expect(await shop.available(p.id)).toBe(300 - ids.length);
		expect(await shop.countOrders("pending")).toBe(0);
		expect((await shop.api.get("/api/v1/health/ready")).body.brokers).toEqual({ rabbitmq: "up" });
		expect(await vhost.connections()).toContain(stack.broker.nodeID);
	});
});
