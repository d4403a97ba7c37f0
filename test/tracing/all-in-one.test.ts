/**
 * Tracing in the all-in-one topology: one real node process (server.ts) with every service on the
 * embedded store, the bus carrying the events. An order placed through its gateway is exported
 * over OTLP/HTTP to a receiver started here, as one trace in which the gateway's span is the root
 * of the orders, inventory, payments, shipping and notifications spans; the answer names the
 * request id and the trace together. (A process, not a broker inside Jest: Jest's module sandbox
 * cannot run the dynamic `import("http")` of the SDK's HTTP transport.)
 */
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { NodeProcess } from "../helpers/processes";
import type { Customer, Shop } from "../orders/shop";
import { eventually } from "../orders/support";
import { parseTraceparent, traceIdOf } from "../../lib/tracing/ids";
import { servicesIn, startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from "./otlp-receiver";
import { startTracedShop } from "./traced-shop";

jest.setTimeout(60_000);

const FLOW = ["api", "orders", "inventory", "payments", "shipping", "notifications"];

/** The ancestors of a span, following parent ids within the trace, nearest first. */
function ancestors(span: ReceivedSpan, byId: Map<string, ReceivedSpan>): ReceivedSpan[] {
	const chain: ReceivedSpan[] = [];
	for (let p = byId.get(span.parentSpanId); p && chain.length < 100; p = byId.get(p.parentSpanId)) chain.push(p);
	return chain;
}

describe("tracing in the all-in-one topology (one node process, OTLP/HTTP to a receiver started by the test)", () => {
	const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "shop-tracing-"));
	const nodeID = `tracing-${process.pid}-${Date.now().toString(36)}`;
	let receiver: OtlpReceiver;
	let node: NodeProcess;
	let shop: Shop;
	let ann: Customer;

	beforeAll(async () => {
		receiver = await startOtlpReceiver();
		({ node, shop } = await startTracedShop(receiver, { NODE_ID: nodeID, DATA_DIR: dataDir }));
		ann = await shop.register("Ann");
	});
	afterAll(async () => {
		await node?.stop();
		await receiver?.close();
		fs.rmSync(dataDir, { recursive: true, force: true });
	});

	it("exports one order as one trace from the gateway through every service of the checkout", async () => {
		const product = await shop.product(20, 5);
		const requestId = `checkout-${randomUUID()}`;
		const placed = await shop.order(ann, [{ productId: product.id, quantity: 1 }], undefined, { "x-request-id": requestId });
		expect(placed.status).toBe(201);

		// The request id and its trace, side by side in the answer.
		expect(placed.headers.get("x-request-id")).toBe(requestId);
		const header = parseTraceparent(placed.headers.get("traceparent"));
		expect(header).toMatchObject({ traceId: traceIdOf(requestId), sampled: true });
		const traceId = header!.traceId;

		await shop.reaches(ann, placed.body.id, "paid");
		await shop.shipment(placed.body.id);
		await eventually(
			"every service's span in the trace",
			async () => FLOW.every(s => servicesIn(receiver.spans, traceId).has(s)),
			20_000
		);
		await eventually("the notification's span", async () =>
			receiver.spans.some(
				s => s.traceId === traceId && s.name.includes("order.paid") && s.attributes["moleculer.service"] === "notifications"
			)
		);

		const spans = receiver.spans.filter(s => s.traceId === traceId);
		const byId = new Map(spans.map(s => [s.spanId, s]));
		const gateway = spans.find(s => s.spanId === header!.parentId)!;
		expect(gateway).toMatchObject({ name: expect.stringContaining("POST /api/v1/orders"), parentSpanId: "", kind: 2 });
		expect(gateway.attributes).toMatchObject({
			"moleculer.service": "api",
			"shop.request_id": requestId,
			"moleculer.http.method": "POST",
			"moleculer.http.route": "/api/v1/orders"
		});
		// Reads of the order are named by route, its id as :id, never by their URL.
		expect(receiver.spans.map(s => s.name)).toContain("GET /api/v1/orders/:id");
		for (const span of receiver.spans) expect(span.name).not.toContain(placed.body.id);
		expect(gateway.resource).toMatchObject({ "service.name": "shop", "service.instance.id": nodeID });

		// Each event handler of the checkout descends from the gateway's span, over the outbox relay: the
		// flow's consumers take their events by an acknowledged call (receiveEvent), the other listeners as events.
		const handlers = spans.filter(s => s.attributes["moleculer.span_type"] === "event" || s.name.includes("receiveEvent"));
		const handled = new Set(handlers.map(s => s.attributes["moleculer.service"]));
		for (const service of ["inventory", "payments", "shipping", "notifications", "orders"]) expect(handled).toContain(service);
		for (const span of handlers) expect(ancestors(span, byId)).toContain(gateway);
		// Everything else hangs below them too: the gateway's span is the trace's only root.
		await eventually("every parent exported", async () => {
			const now = receiver.spans.filter(s => s.traceId === traceId);
			const ids = new Set(now.map(s => s.spanId));
			return now.every(s => s === gateway || ids.has(s.parentSpanId));
		}).catch(() => {
			const orphans = receiver.spans.filter(s => s.traceId === traceId && s !== gateway && !byId.has(s.parentSpanId));
			throw new Error(`spans without their parent: ${orphans.map(s => s.name).join(", ")}`);
		});
		expect(receiver.rejected).toEqual([]);
	});

	it("continues a caller's traceparent; a malformed one starts a trace of its own", async () => {
		const traceId = randomUUID().replace(/-/g, "");
		const callerSpan = randomUUID().replace(/-/g, "").slice(0, 16);
		// Distinct URLs: a repeated anonymous read may be answered from the gateway's cache, without a span.
		const r = await shop.api.get("/api/v1/products?pageSize=7", { headers: { traceparent: `00-${traceId}-${callerSpan}-01` } });
		expect(r.status).toBe(200);
		expect(r.headers.get("x-request-id")).toBe(traceId);
		const header = parseTraceparent(r.headers.get("traceparent"))!;
		expect(header.traceId).toBe(traceId);
		const gateway = await eventually("the gateway's span", async () => receiver.spans.find(s => s.spanId === header.parentId));
		expect(gateway).toMatchObject({ traceId, parentSpanId: callerSpan, name: "GET /api/v1/products" });

		const bad = await shop.api.get("/api/v1/products?pageSize=8", { headers: { traceparent: `00-${traceId}-${"0".repeat(16)}-01` } });
		expect(bad.status).toBe(200);
		expect(bad.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
		expect(parseTraceparent(bad.headers.get("traceparent"))!.traceId).not.toBe(traceId);
	});

	it("keeps parameters out of the spans (passwords, card numbers, addresses)", async () => {
		await eventually("spans", async () => receiver.spans.length > 0);
		const text = JSON.stringify(receiver.spans);
		expect(text).not.toContain("Customer-pass-1");
		expect(text).not.toContain("4242424242424242");
		expect(text).not.toContain("Test Street");
	});
});
