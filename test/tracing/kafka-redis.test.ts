/**
 * The traceparent in the CloudEvents envelope on Kafka and Redis: one node process with every
 * service, KAFKA_BROKERS on librdkafka's mock cluster and REDIS_URL on the machine's Redis,
 * exporting over OTLP/HTTP to a receiver started by the test. A product created through the
 * gateway reaches inventory over Kafka (product.events), and the low-stock alert an order causes
 * reaches notifications over a Redis stream; each consumer's span belongs to the trace of the
 * request that caused it, below the gateway's span. Only the envelope carries the trace context
 * across a broker, so this fails if either side drops it.
 */
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Redis from "ioredis";
import { parseTraceparent, type TraceParent } from "../../lib/tracing/ids";
import { KAFKA_MOCK_ENV, startKafkaMock, type KafkaMock } from "../helpers/kafka-mock";
import { waitFor, type NodeProcess } from "../helpers/processes";
import { describeWith, KAFKA_MOCK, REDIS } from "../messaging/support";
import type { Shop } from "../orders/shop";
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from "./otlp-receiver";
import { startTracedShop } from "./traced-shop";

jest.setTimeout(120_000);

describeWith(KAFKA_MOCK, REDIS)("traces through Kafka and Redis (one node process, OTLP/HTTP to a receiver started by the test)", () => {
	const ns = `tracing-kr-${process.pid}-${Date.now().toString(36)}`;
	const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "shop-tracing-kr-"));
	let mock: KafkaMock;
	let receiver: OtlpReceiver;
	let node: NodeProcess;
	let shop: Shop;

	/** The broker consumer's span of `service` in the trace of `parent`, once it descends from the gateway's span. */
	async function consumerSpan(parent: TraceParent, service: string, broker: string): Promise<ReceivedSpan> {
		return waitFor(
			`${service}'s ${broker} consumer span in trace ${parent.traceId}`,
			async () => {
				const spans = receiver.spans.filter(s => s.traceId === parent.traceId);
				const byId = new Map(spans.map(s => [s.spanId, s]));
				return spans.find(s => {
					if (s.attributes["moleculer.service"] !== service || s.attributes["moleculer.delivery.broker"] !== broker) return false;
					for (let p = byId.get(s.parentSpanId); p; p = byId.get(p.parentSpanId)) if (p.spanId === parent.parentId) return true;
					return false;
				});
			},
			30_000
		);
	}

	beforeAll(async () => {
		[mock, receiver] = await Promise.all([startKafkaMock(), startOtlpReceiver()]);
		({ node, shop } = await startTracedShop(receiver, {
			...KAFKA_MOCK_ENV,
			NAMESPACE: ns,
			DATA_DIR: dataDir,
			KAFKA_BROKERS: mock.brokers,
			REDIS_URL: "redis://127.0.0.1:6379"
		}));
	});

	afterAll(async () => {
		await node?.stop();
		await receiver?.close();
		await mock?.stop();
		const redis = new Redis("redis://127.0.0.1:6379");
		const stream = `${ns}:inventory:low-stock:stream`;
		await redis.del(stream, `${stream}:dlq`).catch(() => undefined);
		await redis.quit().catch(() => undefined);
		fs.rmSync(dataDir, { recursive: true, force: true });
	});

	it("a product created through the gateway: inventory's Kafka consumer continues the request's trace", async () => {
		const created = await shop.api.post(
			"/api/v1/products",
			{ name: `Traced ${randomUUID().slice(0, 8)}`, price: 10, category: "tracing", stock: 10 },
			{ token: shop.adminToken }
		);
		expect(created.status).toBe(201);
		const parent = parseTraceparent(created.headers.get("traceparent"))!;
		expect(parent).not.toBeNull();
		const span = await consumerSpan(parent, "inventory", "kafka");
		expect(span).toMatchObject({ name: "event 'product.created' in 'inventory'", kind: 5 });
		expect(span.attributes).toMatchObject({ "moleculer.delivery.source": "product.events", "moleculer.cloudevent.source": "products" });
	});

	it("an order that leaves little stock: notifications' Redis consumer of the low-stock alert continues the order's trace", async () => {
		const product = await shop.product(10, 10); // low-stock threshold 5
		const ann = await shop.register("Ann");
		const placed = await shop.order(ann, [{ productId: product.id, quantity: 6 }]);
		expect(placed.status).toBe(201);
		const parent = parseTraceparent(placed.headers.get("traceparent"))!;
		const span = await consumerSpan(parent, "notifications", "redis");
		expect(span).toMatchObject({ name: "event 'inventory.low_stock' in 'notifications'" });
		expect(span.attributes["moleculer.delivery.source"]).toBe(`${ns}:inventory:low-stock:stream`);
		expect(receiver.rejected).toEqual([]);
	});
});
