/**
 * The messaging layer without any broker server: routing of events to queues, topics and
 * channels, the envelope codec, backoff, nothing loaded without a URL, and a RabbitMQ that is down
 * (the node starts anyway, reports it, its consumers leave the bus events alone, and a publish
 * fails loudly after AMQP_PUBLISH_TIMEOUT_MS instead of dropping the event).
 */
import { execFile } from "node:child_process";
import path from "node:path";
import { createEvent } from "../../lib/events";
import { deliverTo } from "../../lib/outbox/service-outbox";
import { decodeEvent, encodeEvent, isPermanent } from "../../lib/messaging/envelope";
import { AMQP_QUEUES, lowStockKeys, queuesOf, topicOf } from "../../lib/messaging/routes";
import { backoffMs, messagingSettings } from "../../lib/messaging/settings";
import { readiness } from "../../lib/gateway/health";
import { NotFoundError } from "../../lib/errors";
import { startStack, type Stack } from "../helpers/stack";

describe("routes", () => {
	it("names the queues of docs/architecture.md and binds each flow event to its consumers' queues", () => {
		expect(Object.keys(AMQP_QUEUES)).toEqual(
			expect.arrayContaining(["order_created", "inventory_reserved", "inventory_failed", "inventory_release"])
		);
		expect(queuesOf("order.created")).toEqual(["order_created"]);
		expect(queuesOf("inventory.reserved")).toEqual(["inventory_reserved"]);
		expect(queuesOf("inventory.reservation_failed")).toEqual(["inventory_failed"]);
		expect([...queuesOf("order.cancelled")].sort()).toEqual(["inventory_release", "payment_refund", "shipment_cancel"]);
		expect(queuesOf("order.confirmed")).toEqual(["order_confirmed"]);
		expect(queuesOf("user.registered")).toEqual([]);
	});

	it("sends product, inventory and order events to their Kafka topics, and namespaces the Redis keys", () => {
		expect(topicOf("product.created")).toBe("product.events");
		expect(topicOf("inventory.low_stock")).toBe("inventory.events");
		expect(topicOf("order.cancelled")).toBe("order.events");
		expect(topicOf("payment.succeeded")).toBeNull();
		expect(lowStockKeys()).toEqual({ channel: "inventory:low-stock", stream: "inventory:low-stock:stream" });
		expect(lowStockKeys("blue")).toEqual({ channel: "blue:inventory:low-stock", stream: "blue:inventory:low-stock:stream" });
	});
});

describe("envelope and retry policy", () => {
	it("round-trips the CloudEvents envelope and refuses what is not one, for good", () => {
		const event = createEvent("orders", "order.created", "o-1", { orderId: "o-1" });
		expect(decodeEvent(encodeEvent(event))).toEqual(event);
		for (const bad of ["not json", "{}", JSON.stringify({ ...event, specversion: "0.3" })]) {
			let err: unknown;
			try {
				decodeEvent(Buffer.from(bad));
			} catch (e) {
				err = e;
			}
			expect(isPermanent(err)).toBe(true);
		}
		expect(isPermanent(new NotFoundError("Order"))).toBe(true);
		expect(isPermanent(new Error("ECONNRESET"))).toBe(false);
		expect(isPermanent(Object.assign(new Error("timeout"), { code: 408 }))).toBe(false);
	});

	it("backs off exponentially, capped", () => {
		const policy = { attempts: 5, delayMs: 100, maxDelayMs: 500 };
		expect([1, 2, 3, 4].map(a => backoffMs(policy, a))).toEqual([100, 200, 400, 500]);
		expect(messagingSettings({}).retry).toEqual({ attempts: 5, delayMs: 1000, maxDelayMs: 60_000 });
		expect(() => messagingSettings({ AMQP_PREFETCH: "0" })).toThrow(/AMQP_PREFETCH/);
	});
});

describe("without broker URLs", () => {
	// ioredis itself is a dependency of other parts (the gateway's rate-limit store); the messaging layer's Redis client is not loaded.
	it("loads no broker client (lib/messaging/amqp|kafka|redis) nor amqplib or kafkajs, all services started", async () => {
		const root = path.resolve(__dirname, "../..");
		const script = `
			const { createBroker } = require("./create-broker");
			(async () => {
				const broker = createBroker({ logger: false });
				await broker.start();
				await broker.stop();
				const loaded = Object.keys(require.cache).filter(f => /node_modules\\/(amqplib|kafkajs)\\/|lib\\/messaging\\/(amqp|kafka|redis)\\.ts$/.test(f));
				console.log(JSON.stringify({ services: broker.services.length, loaded }));
			})().catch(err => { console.error(err); process.exit(1); });`;
		const out = await new Promise<string>((resolve, reject) =>
			execFile(
				path.join(root, "node_modules/.bin/node"),
				["--import", "tsx", "-e", script],
				{
					cwd: root,
					env: {
						...process.env,
						AMQP_URL: "",
						KAFKA_BROKERS: "",
						REDIS_URL: "",
						DATA_DIR: ":memory:",
						PORT: "0",
						HOST: "127.0.0.1"
					},
					timeout: 60_000
				},
				(err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout))
			)
		);
		const result = JSON.parse(out.trim().split("\n").pop()!);
		expect(result.services).toBeGreaterThan(5);
		expect(result.loaded).toEqual([]);
	}, 60_000);
});

describe("with RabbitMQ unreachable", () => {
	let stack: Stack;

	beforeAll(async () => {
		stack = await startStack({
			services: ["inventory"],
			env: { AMQP_URL: "amqp://guest:guest@127.0.0.1:1/", AMQP_PUBLISH_TIMEOUT_MS: "400", AMQP_RECONNECT_MAX_MS: "200" }
		});
	});
	afterAll(() => stack?.stop());

	it("starts anyway, and reports RabbitMQ as not ready", async () => {
		const r = await readiness(stack.broker);
		expect(r.ready).toBe(false);
		expect(r.services.inventory).toBe("up");
		expect(r.brokers?.rabbitmq).toMatch(/^connecting/);
	});

	it("fails a relay's delivery after AMQP_PUBLISH_TIMEOUT_MS (the outbox then retries it), and the bus still carries the event", async () => {
		const seen: string[] = [];
		const listener = stack.broker.createService({
			name: "probe",
			events: { "order.created": (ctx: any) => void seen.push(ctx.params.id) }
		});
		await stack.broker.waitForServices("probe");
		const started = Date.now();
		await expect(
			deliverTo(stack.broker)(createEvent("test", "order.created", "o-down", { orderId: "o-down", items: [] }))
		).rejects.toThrow(/Publishing order\.created .* to RabbitMQ failed: not connected/);
		expect(Date.now() - started).toBeGreaterThanOrEqual(350);
		expect(seen).toHaveLength(1);
		await stack.broker.destroyService(listener);
	});

	it("leaves the bus event to the broker's consumer: inventory does not reserve an order.created from the bus", async () => {
		await stack.broker.emit("order.created", createEvent("orders", "order.created", "o-bus", { orderId: "o-bus", items: [] }));
		await new Promise(r => setTimeout(r, 100));
		await expect(stack.broker.call("inventory.releaseOrder", { orderId: "o-bus" })).rejects.toMatchObject({ code: 404 });
	});

	it("unrouted events publish nothing and wait for nothing", async () => {
		const t0 = Date.now();
		await deliverTo(stack.broker)(createEvent("users", "user.registered", "u-1", {}));
		expect(Date.now() - t0).toBeLessThan(100);
	});
});
