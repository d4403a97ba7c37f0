/**
 * The issue's test: one order in the NATS split, RabbitMQ carrying the flow, is one trace. The
 * gateway, orders, inventory, payments, shipping and notifications run as separate node processes
 * (users and products in one more) over the machine's NATS, with AMQP_URL on a fresh RabbitMQ
 * virtual host, every node exporting over OTLP/HTTP to a receiver started by this test. The
 * trace context crosses processes on the Moleculer bus and inside the CloudEvents envelope of the
 * RabbitMQ messages (its `traceparent`); the consumers' spans join it.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseTraceparent } from "../../lib/tracing/ids";
import { freePort, startNode, waitFor, type NodeProcess } from "../helpers/processes";
import { createVhost, type TestVhost } from "../helpers/rabbitmq";
import { serverUp } from "../helpers/servers";
import { describeWith, RABBITMQ } from "../messaging/support";
import { ADMIN_EMAIL, ADMIN_PASSWORD, Shop } from "../orders/shop";
import { servicesIn, startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from "./otlp-receiver";

jest.setTimeout(180_000);

const NATS = { name: "NATS on 127.0.0.1:4222", available: serverUp("127.0.0.1", 4222) };
const NODES: Record<string, string> = {
	api: "api",
	catalog: "users,products",
	orders: "orders",
	inventory: "inventory",
	payments: "payments",
	shipping: "shipping",
	notifications: "notifications"
};
const FLOW = ["api", "orders", "inventory", "payments", "shipping", "notifications"];

describeWith(NATS, RABBITMQ)("one order in the NATS split with RabbitMQ is one trace", () => {
	const namespace = `tracing-${process.pid}-${Date.now().toString(36)}`;
	const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "shop-tracing-split-"));
	const nodes: NodeProcess[] = [];
	let vhost: TestVhost;
	let receiver: OtlpReceiver;
	let shop: Shop;

	beforeAll(async () => {
		[vhost, receiver] = await Promise.all([createVhost("tracing"), startOtlpReceiver()]);
		const port = await freePort();
		const common = {
			TRANSPORTER: "nats://127.0.0.1:4222",
			NAMESPACE: namespace,
			DATA_DIR: dataDir,
			AMQP_URL: vhost.url,
			ADMIN_EMAIL,
			ADMIN_PASSWORD,
			RATE_LIMIT_MAX: "100000",
			REQUEST_TIMEOUT_MS: "10000",
			ORDER_RECONCILE_INTERVAL_MS: "0",
			OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
			OTEL_BSP_SCHEDULE_DELAY: "200"
		};
		for (const [name, services] of Object.entries(NODES))
			nodes.push(
				startNode(name, {
					...common,
					SERVICES: services,
					NODE_ID: `${namespace}-${name}`,
					...(name === "api" ? { PORT: String(port), HOST: "127.0.0.1" } : {})
				})
			);
		shop = new Shop(`http://127.0.0.1:${port}`);
		const expected = Object.values(NODES).flatMap(s => s.split(","));
		await waitFor(
			"every node in the gateway's view",
			async () => {
				const live = ((await shop.api.get("/api/v1/health")).body?.nodes ?? [])
					.filter((n: { available: boolean }) => n.available)
					.flatMap((n: { services: string[] }) => n.services);
				return expected.every(s => live.includes(s));
			},
			120_000
		).catch(err => {
			throw new Error(`${err.message}\n${nodes.map(n => `--- ${n.name}\n${n.output().slice(-2000)}`).join("\n")}`);
		});
	});

	afterAll(async () => {
		await Promise.all(nodes.map(n => n.stop()));
		await receiver?.close();
		await vhost?.drop();
		fs.rmSync(dataDir, { recursive: true, force: true });
	});

	it("spans the gateway, orders, inventory, payments, shipping and notifications, across processes and the broker", async () => {
		await waitFor("admin login", async () => (await shop.loginAdmin().catch(() => null)) !== null, 30_000);
		const ann = await shop.register("Ann");
		const product = await shop.product(30, 3);
		const placed = await shop.order(ann, [{ productId: product.id, quantity: 1 }]);
		expect(placed.status).toBe(201);
		const header = parseTraceparent(placed.headers.get("traceparent"));
		expect(header).not.toBeNull();
		const traceId = header!.traceId;
		await shop.reaches(ann, placed.body.id, "paid", 60_000);
		await shop.shipment(placed.body.id);

		let spans: ReceivedSpan[] = [];
		await waitFor(
			"the trace to reach every service of the checkout",
			async () => {
				spans = receiver.spans.filter(s => s.traceId === traceId);
				const handlers = spans.filter(s => s.attributes["moleculer.span_type"] === "event");
				return (
					FLOW.every(s => servicesIn(spans, traceId).has(s)) &&
					handlers.some(s => s.attributes["moleculer.service"] === "shipping") &&
					handlers.some(s => s.attributes["moleculer.service"] === "notifications")
				);
			},
			30_000
		).catch(err => {
			throw new Error(`${err.message}; services in the trace: ${[...servicesIn(receiver.spans, traceId)].join(", ")}`);
		});

		// Each service's spans come from its own node process.
		for (const service of FLOW) {
			const nodesOf = new Set(
				spans.filter(s => s.attributes["moleculer.service"] === service).map(s => s.resource["service.instance.id"])
			);
			const name = Object.entries(NODES).find(([, services]) => services.split(",").includes(service))![0];
			expect([...nodesOf]).toEqual([`${namespace}-${name}`]);
		}

		// The work RabbitMQ delivered continues the trace: the consumers of order_created, order_confirmed
		// and order_paid, each under the span that recorded its event.
		const byId = new Map(spans.map(s => [s.spanId, s]));
		const gateway = byId.get(header!.parentId)!;
		expect(gateway).toMatchObject({ parentSpanId: "", attributes: { "moleculer.service": "api" } });
		const fromRabbit = spans.filter(s => s.attributes["moleculer.delivery.broker"] === "rabbitmq");
		const sources = fromRabbit.map(s => s.attributes["moleculer.delivery.source"]);
		for (const queue of ["order_created", "order_confirmed", "order_paid"]) expect(sources).toContain(queue);
		for (const span of fromRabbit) {
			let root = span;
			while (byId.has(root.parentSpanId)) root = byId.get(root.parentSpanId)!;
			expect(root).toBe(gateway);
		}
		expect(receiver.rejected).toEqual([]);
	});
});
