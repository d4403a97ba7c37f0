/**
 * The business metrics of a running shop on /metrics: the whole app in one process, as `npm start`
 * runs it, with RabbitMQ carrying the order flow (a fresh vhost), the mock Kafka cluster carrying
 * product events (librdkafka's, through kcat: no Kafka server runs here), an SMTP URL nobody
 * answers (so mails fail) and METRICS_TOKEN set. Orders placed over HTTP move the figures; every
 * metric the Grafana dashboard and the alert rules read is exported.
 */
import { startStack, type Stack } from "../helpers/stack";
import { KAFKA_MOCK_ENV, startKafkaMock, type KafkaMock } from "../helpers/kafka-mock";
import { createVhost, independentClient, type TestVhost } from "../helpers/rabbitmq";
import { E2E_ENV, Shop, type Customer } from "../orders/shop";
import { CARDS, eventually } from "../orders/support";
import { KAFKA_MOCK, MESSAGING_TEST_ENV, RABBITMQ, describeWith } from "../messaging/support";
import { exportedNames, metricsUsed, sample, total } from "./support";

jest.setTimeout(120_000);

const TOKEN = "metrics-test-token";

describeWith(RABBITMQ, KAFKA_MOCK)("business metrics of a running shop", () => {
	let vhost: TestVhost;
	let mock: KafkaMock;
	let stack: Stack;
	let shop: Shop;
	let ann: Customer;
	let before: string;

	const metrics = async (): Promise<string> => {
		const r = await shop.api.get("/api/v1/metrics", { token: TOKEN });
		if (r.status !== 200) throw new Error(`GET /metrics: ${r.status}`);
		return r.body as string;
	};
	/** Waits until the metrics text satisfies `check` (polls and events land a little after the HTTP answers). */
	const metricsWhen = (what: string, check: (text: string) => boolean) =>
		eventually(what, async () => {
			const text = await metrics();
			return check(text) ? text : null;
		});
	const moved = (text: string, metric: string, labels: Record<string, string> = {}) =>
		total(text, metric, labels) - total(before, metric, labels);

	beforeAll(async () => {
		[vhost, mock] = await Promise.all([createVhost("metrics"), startKafkaMock()]);
		stack = await startStack({
			env: {
				...E2E_ENV,
				...MESSAGING_TEST_ENV,
				...KAFKA_MOCK_ENV,
				// Moleculer collects the process figures (memory, CPU) everywhere but under NODE_ENV=test.
				NODE_ENV: "development",
				AMQP_URL: vhost.url,
				KAFKA_BROKERS: mock.brokers,
				LOG_LEVEL: "error",
				METRICS_TOKEN: TOKEN,
				METRICS_POLL_INTERVAL_MS: "200",
				// Nothing listens on the discard port: every mail fails at its only attempt.
				SMTP_URL: "smtp://127.0.0.1:9",
				NOTIFY_MAX_ATTEMPTS: "1",
				NOTIFY_SEND_TIMEOUT_MS: "2000"
			}
		});
		shop = new Shop(stack.baseUrl);
		await shop.loginAdmin();
		ann = await shop.register("Ann");
		before = await metricsWhen("the first readings", text => text.includes("shop_rabbitmq_queue_messages{"));
	});

	afterAll(async () => {
		await stack?.stop();
		await vhost?.drop();
		await mock?.stop();
	});

	it("answers /metrics only with the METRICS_TOKEN", async () => {
		expect((await shop.api.get("/api/v1/metrics")).status).toBe(401);
		expect((await shop.api.get("/api/v1/metrics", { token: "wrong" })).status).toBe(401);
		expect(await metrics()).toMatch(/^# TYPE shop_orders gauge$/m);
	});

	it("moves orders by status, checkout time, payments, reservations, low stock and mail failures with the orders placed", async () => {
		const p = await shop.product(10, 10); // low-stock threshold 5
		const paid = await shop.placed(ann, [{ productId: p.id, quantity: 6 }]);
		const declined = await shop.placed(ann, [{ productId: p.id, quantity: 1 }], CARDS.declined);
		const unavailable = await shop.placed(ann, [{ productId: p.id, quantity: 50 }]);
		await shop.reaches(ann, paid.id, "paid");
		await shop.reaches(ann, declined.id, "cancelled");
		await shop.reaches(ann, unavailable.id, "cancelled");

		// What each figure must have moved by. The gauges come from polls (the orders' statuses are
		// counted one after another, so one poll may count "paid" before the order got there and
		// "cancelled" after) and the counters from events that land a little after the orders' answers:
		// wait until all of them agree, then check each one (so a figure that never gets there is named).
		const expected: Array<[string, Record<string, string>, number]> = [
			["shop_orders", { status: "paid" }, 1],
			["shop_orders", { status: "cancelled" }, 2],
			["shop_orders", { status: "pending" }, 0],
			["shop_orders_created_total", {}, 3],
			["shop_checkout_duration_seconds_count", {}, 1],
			["shop_checkout_duration_seconds_bucket", { le: "+Inf" }, 1],
			["shop_payments_total", { outcome: "succeeded" }, 1],
			["shop_payments_total", { outcome: "failed", reason: "declined" }, 1],
			["shop_payments_amount_total", { outcome: "succeeded" }, 60],
			["shop_inventory_reservations_total", { outcome: "reserved" }, 2],
			["shop_inventory_reservations_total", { outcome: "failed", reason: "out_of_stock" }, 1],
			// 4 of 10 left: at or below the threshold of 5.
			["shop_inventory_low_stock_items", {}, 1],
			["shop_inventory_out_of_stock_items", {}, 0]
		];
		const settled = (t: string) =>
			expected.every(([metric, labels, value]) => moved(t, metric, labels) === value) &&
			moved(t, "shop_notifications_total", { outcome: "failed" }) > 0;
		const text = await metricsWhen("every figure moved by the three orders", settled).catch(() => metrics());
		for (const [metric, labels, value] of expected)
			expect([metric, labels, moved(text, metric, labels)]).toEqual([metric, labels, value]);
		expect(moved(text, "shop_notifications_total", { outcome: "failed" })).toBeGreaterThan(0);
		const seconds = moved(text, "shop_checkout_duration_seconds_sum");
		expect(seconds).toBeGreaterThan(0);
		expect(seconds).toBeLessThan(60);
	});

	it("reports the depth of each RabbitMQ queue, its consumers and dead letters", async () => {
		const text = await metrics();
		for (const queue of ["order_created", "inventory_reserved", "order_confirmed", "payment_succeeded", "order_paid"]) {
			expect(sample(text, "shop_rabbitmq_queue_consumers", { queue })).toBeGreaterThanOrEqual(1);
			for (const kind of ["work", "retry", "dead_letter"])
				expect(text).toMatch(new RegExp(`^shop_rabbitmq_queue_messages\\{[^}]*queue="${queue}",kind="${kind}"\\} \\d+$`, "m"));
		}
		expect(sample(text, "shop_rabbitmq_queue_messages", { queue: "order_created", kind: "dead_letter" })).toBe(0);

		// A message no handler can read is dead-lettered at once.
		const c = await independentClient(vhost.url);
		try {
			c.channel.sendToQueue("order_created", Buffer.from("not an event"), { persistent: true });
			await metricsWhen(
				"the dead letter counted",
				t => sample(t, "shop_rabbitmq_queue_messages", { queue: "order_created", kind: "dead_letter" }) === 1
			);
		} finally {
			await c.close();
		}
	});

	it("reports the Kafka consumer lag of inventory's group once it consumed the product events", async () => {
		const text = await metricsWhen("the lag of inventory-consumer-group", t =>
			/^shop_kafka_consumer_lag\{[^}]*topic="product.events",group="inventory-consumer-group"\} 0$/m.test(t)
		);
		expect(exportedNames(text).has("shop_kafka_consumer_lag")).toBe(true);
	});

	it("counts a failed reading (a queue gone) and recovers once it is back", async () => {
		const c = await independentClient(vhost.url);
		try {
			await c.channel.deleteQueue("payment_refunded.dlq");
			await metricsWhen("a failed reading", t => sample(t, "shop_metrics_poll_failures_total", { service: "orders" }) > 0);
			await c.channel.assertQueue("payment_refunded.dlq", { durable: true });
			// A reading under way may still fail; after it, readings work again (every 200 ms).
			await new Promise(r => setTimeout(r, 300));
			const failures = sample(await metrics(), "shop_metrics_poll_failures_total", { service: "orders" });
			await new Promise(r => setTimeout(r, 800));
			expect(sample(await metrics(), "shop_metrics_poll_failures_total", { service: "orders" })).toBe(failures);
		} finally {
			await c.close();
		}
	});

	it("exports every metric the Grafana dashboard and the alert rules read", async () => {
		// The stock audit's figures exist once it ran (tests run it themselves).
		expect((await shop.api.post("/api/v1/inventory/audit", {}, { token: shop.adminToken })).status).toBe(200);
		const exported = exportedNames(await metrics());
		const used = metricsUsed();
		expect(used.length).toBeGreaterThan(15);
		expect(used.filter(name => !exported.has(name))).toEqual([]);
	});
});
