/**
 * The whole order flow with every broker configured (AMQP_URL, KAFKA_BROKERS, REDIS_URL), through
 * the real gateway: every documented queue, topic and channel receives the documented CloudEvents
 * envelope, as independent clients read it (not the shop's consumers):
 * - RabbitMQ: the firehose tracer of this run's vhost copies every delivery to amq.rabbitmq.trace
 *   under `deliver.<queue>`, so a plain amqplib client sees what each queue handed its consumer;
 * - Kafka: a kafkajs consumer in a group of its own reads the three topics from the beginning;
 * - Redis: an ioredis client SUBSCRIBEs to the low-stock channel and reads the stream (XRANGE).
 * The reconciler is off: the brokers alone move the orders.
 */
import { randomUUID } from "node:crypto";
import Redis from "ioredis";
import { Kafka, logLevel, type Consumer } from "kafkajs";
import { startStack, type Stack } from "../helpers/stack";
import { KAFKA_MOCK_ENV, startKafkaMock, type KafkaMock } from "../helpers/kafka-mock";
import { createVhost, independentClient, rabbitmqctl, type TestVhost } from "../helpers/rabbitmq";
import { E2E_ENV, Shop, type Customer } from "../orders/shop";
import { CARDS, eventually } from "../orders/support";
import { KAFKA_MOCK, MESSAGING_TEST_ENV, RABBITMQ, REDIS, consumedCount, describeWith } from "./support";

jest.setTimeout(180_000);

interface Envelope {
	specversion: string;
	id: string;
	source: string;
	type: string;
	time: string;
	subject: string;
	datacontenttype: string;
	correlationid: string;
	data: Record<string, any>;
}

function expectEnvelope(e: Envelope, type: string, source: string, subject?: string) {
	expect(e).toEqual({
		specversion: "1.0",
		id: expect.any(String),
		source,
		type,
		time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/),
		subject: subject ?? expect.any(String),
		datacontenttype: "application/json",
		correlationid: expect.any(String),
		data: expect.any(Object)
	});
}

describeWith(
	RABBITMQ,
	REDIS,
	KAFKA_MOCK
)("every broker receives the documented envelopes of a full order flow", () => {
	const ns = `e2e-${randomUUID().slice(0, 8)}`;
	let vhost: TestVhost;
	let mock: KafkaMock;
	let stack: Stack;
	let shop: Shop;
	let ann: Customer;
	const delivered: Array<{ queue: string; event: Envelope; properties: Record<string, any> }> = [];
	const kafkaSeen: Array<{ topic: string; key: string; event: Envelope; contentType: string }> = [];
	const published: Envelope[] = [];
	let tap: { close(): Promise<void> };
	let kafkaTap: Consumer;
	let subscriber: Redis;
	let redis: Redis;

	const lowStock = { channel: `${ns}:inventory:low-stock`, stream: `${ns}:inventory:low-stock:stream` };

	beforeAll(async () => {
		[vhost, mock] = await Promise.all([createVhost("e2e"), startKafkaMock()]);
		await rabbitmqctl("trace_on", "-p", vhost.name);

		// Independent RabbitMQ reader of every delivery, by queue.
		const amqpTap = await independentClient(vhost.url);
		const { queue } = await amqpTap.channel.assertQueue("", { exclusive: true });
		await amqpTap.channel.bindQueue(queue, "amq.rabbitmq.trace", "deliver.#");
		await amqpTap.channel.consume(
			queue,
			msg => {
				if (!msg) return;
				const q = msg.fields.routingKey.slice("deliver.".length);
				delivered.push({
					queue: q,
					event: JSON.parse(msg.content.toString()),
					properties: (msg.properties.headers?.properties ?? {}) as object
				});
			},
			{ noAck: true }
		);
		tap = amqpTap;

		// Independent Redis subscriber.
		subscriber = new Redis("redis://127.0.0.1:6379");
		redis = new Redis("redis://127.0.0.1:6379");
		await subscriber.subscribe(lowStock.channel);
		subscriber.on("message", (_channel, message) => published.push(JSON.parse(message)));

		stack = await startStack({
			env: {
				...E2E_ENV,
				...MESSAGING_TEST_ENV,
				...KAFKA_MOCK_ENV,
				NAMESPACE: ns,
				AMQP_URL: vhost.url,
				KAFKA_BROKERS: mock.brokers,
				REDIS_URL: "redis://127.0.0.1:6379"
			}
		});
		shop = new Shop(stack.baseUrl);
		await shop.loginAdmin();
		ann = await shop.register("Ann");
	});

	afterAll(async () => {
		await kafkaTap?.disconnect().catch(() => undefined);
		await stack?.stop();
		await tap?.close();
		await subscriber?.quit().catch(() => undefined);
		await redis?.del(lowStock.stream, `${lowStock.stream}:dlq`).catch(() => undefined);
		await redis?.quit().catch(() => undefined);
		await vhost?.drop();
		await mock?.stop();
	});

	it("reports each broker on /health/ready", async () => {
		// Ready once inventory's Kafka consumer joined its group ("joining the group: ..." until then).
		const r = await eventually("the node ready", async () => {
			const ready = await shop.api.get("/api/v1/health/ready");
			return ready.status === 200 && ready;
		});
		expect(r.body.brokers).toEqual({ rabbitmq: "up", kafka: "up", redis: "up" });
	});

	it("delivers each step of the flow through its queue, topic and channel", async () => {
		// product.created travels over Kafka to inventory (which creates the stock record from it).
		const p = await shop.product(10, 10, {}); // low-stock threshold 5
		const cheap = await shop.product(2, 50, {});

		// 1. Paid, shipped, delivered; reserving 6 of 10 crosses the threshold: a low-stock alert.
		const o1 = await shop.placed(ann, [{ productId: p.id, quantity: 6 }]);
		await shop.reaches(ann, o1.id, "paid");
		const shipment = await shop.shipment(o1.id);
		await shop.api.put(`/api/v1/shipments/${shipment.id}/status`, { status: "shipped" }, { token: shop.adminToken });
		await shop.reaches(ann, o1.id, "shipped");
		await shop.api.put(`/api/v1/shipments/${shipment.id}/status`, { status: "delivered" }, { token: shop.adminToken });
		await shop.reaches(ann, o1.id, "delivered");
		// 2. Out of stock.
		const o2 = await shop.placed(ann, [{ productId: p.id, quantity: 100 }]);
		await shop.reaches(ann, o2.id, "cancelled");
		// 3. Declined card: confirmed, then cancelled (stock released).
		const o3 = await shop.placed(ann, [{ productId: cheap.id, quantity: 1 }], CARDS.declined);
		await shop.reaches(ann, o3.id, "cancelled");
		// 4. Paid, then cancelled by the customer: stock released, payment refunded.
		const o4 = await shop.placed(ann, [{ productId: cheap.id, quantity: 1 }]);
		await shop.reaches(ann, o4.id, "paid");
		expect((await shop.api.del(`/api/v1/orders/${o4.id}`, { token: ann.token })).status).toBe(200);
		await shop.payment(o4.id, "refunded");
		await eventually("stock of the cheap product back", async () => (await shop.available(cheap.id)) === 50);

		// RabbitMQ: each documented queue delivered the envelope of its event, persistent, as CloudEvents JSON.
		const expected: Array<[queue: string, type: string, source: string, orderId: string]> = [
			["order_created", "order.created", "orders", o1.id],
			["inventory_reserved", "inventory.reserved", "inventory", o1.id],
			["inventory_failed", "inventory.reservation_failed", "inventory", o2.id],
			["order_confirmed", "order.confirmed", "orders", o1.id],
			["payment_succeeded", "payment.succeeded", "payments", o1.id],
			["order_paid", "order.paid", "orders", o1.id],
			["shipment_shipped", "shipment.shipped", "shipping", o1.id],
			["inventory_commit", "order.shipped", "orders", o1.id],
			["shipment_delivered", "shipment.delivered", "shipping", o1.id],
			["payment_failed", "payment.failed", "payments", o3.id],
			["inventory_release", "order.cancelled", "orders", o3.id],
			["inventory_release", "order.cancelled", "orders", o4.id],
			["payment_refund", "order.cancelled", "orders", o4.id],
			["payment_refunded", "payment.refunded", "payments", o4.id]
		];
		for (const [queue, type, source, orderId] of expected) {
			const d = await eventually(`${type} of ${orderId} delivered from ${queue}`, async () =>
				delivered.find(x => x.queue === queue && x.event.type === type && x.event.data.orderId === orderId)
			);
			expectEnvelope(d.event, type, source);
			expect(d.properties).toMatchObject({
				delivery_mode: 2,
				content_type: "application/cloudevents+json",
				message_id: d.event.id,
				type
			});
		}
		const created = delivered.find(x => x.queue === "order_created" && x.event.data.orderId === o1.id)!.event;
		expect(created.subject).toBe(o1.id);
		expect(created.data).toEqual({
			orderId: o1.id,
			userId: ann.id,
			items: [{ productId: p.id, quantity: 6 }],
			total: 60,
			currency: "EUR"
		});
		const reserved = delivered.find(x => x.queue === "inventory_reserved" && x.event.data.orderId === o1.id)!.event;
		expect(reserved.data).toEqual({ orderId: o1.id, items: [{ productId: p.id, quantity: 6 }] });
		expect(delivered.find(x => x.queue === "inventory_failed")!.event.data).toEqual({
			orderId: o2.id,
			reason: "out_of_stock",
			productId: p.id
		});
		// Nothing was dead-lettered.
		expect(delivered.filter(x => x.queue.endsWith(".dlq"))).toEqual([]);

		// Kafka: a group of its own reads the three topics from the beginning.
		const kafka = new Kafka({ clientId: "test-tap", brokers: mock.brokers.split(","), logLevel: logLevel.NOTHING });
		kafkaTap = kafka.consumer({ groupId: `tap-${randomUUID()}`, sessionTimeout: 3000, heartbeatInterval: 300, maxWaitTimeInMs: 100 });
		await kafkaTap.connect();
		await kafkaTap.subscribe({ topics: ["product.events", "inventory.events", "order.events"], fromBeginning: true });
		await kafkaTap.run({
			eachMessage: async ({ topic, message }) => {
				kafkaSeen.push({
					topic,
					key: message.key!.toString(),
					event: JSON.parse(message.value!.toString()),
					contentType: message.headers?.["content-type"]?.toString() ?? ""
				});
			}
		});
		const onKafka = (topic: string, type: string, subject: string) =>
			eventually(
				`${type} ${subject} on ${topic}`,
				async () => kafkaSeen.find(x => x.topic === topic && x.event.type === type && x.event.subject === subject),
				30_000
			);
		const productCreated = await onKafka("product.events", "product.created", p.id);
		expect(productCreated.key).toBe(p.id);
		expectEnvelope(productCreated.event, "product.created", "products", p.id);
		expect(productCreated.event.data).toMatchObject({ id: p.id, price: 10, stock: 10 });
		expect(productCreated.contentType).toBe("application/cloudevents+json");
		for (const type of ["order.created", "order.confirmed", "order.paid", "order.shipped", "order.delivered"]) {
			const m = await onKafka("order.events", type, o1.id);
			expect(m.key).toBe(o1.id);
			expectEnvelope(m.event, type, "orders", o1.id);
		}
		const cancelled = await onKafka("order.events", "order.cancelled", o4.id);
		expect(cancelled.event.data).toMatchObject({ orderId: o4.id, previousStatus: "paid", reason: "customer" });
		const item = await shop.stockItem(p.id);
		const invCreated = await onKafka("inventory.events", "inventory.created", item.id);
		expect(invCreated.key).toBe(item.id);
		const invReserved = await onKafka("inventory.events", "inventory.reserved", o1.id);
		expectEnvelope(invReserved.event, "inventory.reserved", "inventory", o1.id);
		const invLow = await onKafka("inventory.events", "inventory.low_stock", item.id);
		expect(invLow.event.data).toEqual({ productId: p.id, itemId: item.id, available: 4, lowStockThreshold: 5 });
		// Keyed by entity id: one entity's events share a partition, in order.
		const o1Events = kafkaSeen.filter(x => x.topic === "order.events" && x.key === o1.id).map(x => x.event.type);
		expect(o1Events).toEqual(["order.created", "order.confirmed", "order.paid", "order.shipped", "order.delivered"]);

		// Redis: the alert was PUBLISHed on the channel and appended to the capped stream.
		const alert = await eventually("the low-stock alert on the channel", async () => published.find(e => e.data.productId === p.id));
		expectEnvelope(alert, "inventory.low_stock", "inventory", item.id);
		expect(alert.data).toEqual({ productId: p.id, itemId: item.id, available: 4, lowStockThreshold: 5 });
		const entries = await redis.xrange(lowStock.stream, "-", "+");
		const fields = entries.map(([, f]) =>
			Object.fromEntries(f.reduce<string[][]>((a, v, i) => (i % 2 ? a : [...a, [v, f[i + 1]]]), []))
		);
		const streamed = fields.find(f => JSON.parse(f.event).data.productId === p.id)!;
		expect(streamed).toMatchObject({ type: "inventory.low_stock", id: alert.id });
		expect(JSON.parse(streamed.event)).toEqual(alert);
		// The notifications service read it through its consumer group and acknowledged it.
		const streamId = entries.find(([, f]) => f.includes(alert.id))![0];
		await eventually("the notifications group acknowledged the alert", async () => {
			const groups = (await redis.xinfo("GROUPS", lowStock.stream)) as unknown[][];
			const group = groups
				.map(g => Object.fromEntries(g.reduce<unknown[][]>((a, v, i) => (i % 2 ? a : [...a, [v, g[i + 1]]]), [])))
				.find(g => g.name === "notifications");
			return group && group.pending === 0 && group["last-delivered-id"] === streamId;
		});
		// Counted once our XACK is answered, which may be after the test saw the group's pending count drop.
		await eventually(
			"the alert counted as handled",
			async () => consumedCount(stack.broker, { broker: "redis", source: lowStock.stream, outcome: "handled" }) >= 1
		);
	});
});
