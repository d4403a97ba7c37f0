/**
 * The shipping service through its contract: a shipment per paid order (order.paid ->
 * shipment.created, once however often the event comes), its routes over real HTTP through the
 * gateway, and the status moves that drive the order (shipment.shipped / shipment.delivered, data
 * as docs/order-flow.md fixes it). Real broker with the api, payments and shipping services on
 * the embedded store; order events in the envelope of lib/events.ts, emitted events caught by a probe.
 */
import { randomUUID } from "node:crypto";
import { chooseCarrier, trackingNumber } from "../../lib/shipping/carriers";
import { client, type Client } from "../helpers/http";
import { startStack, type Stack } from "../helpers/stack";
import { accessToken, attachProbe, emitOrderEvent, settle, type Probe } from "../payments/support";

const ADDRESS_DE = { line1: "Hauptstr. 1", city: "Berlin", postalCode: "10115", country: "DE" };
const ADDRESS_US = { line1: "1 Main St", city: "Springfield", postalCode: "12345", country: "US" };

describe("carriers", () => {
	it("ships with DHL inside the EU and UPS elsewhere", () => {
		expect(["DE", "fr", " NL ", "IE"].map(chooseCarrier)).toEqual(["DHL", "DHL", "DHL", "DHL"]);
		expect(["US", "GB", "CH", "", undefined, 42].map(chooseCarrier)).toEqual(["UPS", "UPS", "UPS", "UPS", "UPS", "UPS"]);
	});

	it("makes random tracking numbers in each carrier's style", () => {
		expect(trackingNumber("DHL")).toMatch(/^JJD\d{18}$/);
		expect(trackingNumber("UPS")).toMatch(/^1Z[0-9A-Z]{16}$/);
		expect(new Set(Array.from({ length: 50 }, () => trackingNumber("UPS"))).size).toBe(50);
	});
});

describe("shipping service", () => {
	let stack: Stack;
	let api: Client;
	let probe: Probe;
	const admin = accessToken(randomUUID(), ["admin"]);

	beforeAll(async () => {
		stack = await startStack({ services: ["api", "payments", "shipping"] });
		api = client(stack.baseUrl);
		probe = await attachProbe(stack.broker, ["shipment.created", "shipment.shipped", "shipment.delivered"]);
	});
	afterAll(() => stack.stop());

	const shipments = () => (stack.broker.getLocalService("shipping") as any).stores.shipments;

	function paidData(shippingAddress: Record<string, unknown> = ADDRESS_DE, userId: string = randomUUID()) {
		return { orderId: randomUUID(), userId, total: 59.9, currency: "EUR", shippingAddress };
	}

	/** A paid order and the shipment it produced (from the shipment.created event). */
	async function shippedOrder(address: Record<string, unknown> = ADDRESS_DE, userId?: string) {
		const data = paidData(address, userId);
		await emitOrderEvent(stack.broker, "order.paid", data);
		const created = await probe.next("shipment.created", data.orderId);
		return { ...data, shipmentId: created.data.shipmentId as string, created };
	}

	const setStatus = (id: string, status: unknown, token = admin) => api.put(`/api/v1/shipments/${id}/status`, { status }, { token });

	describe("on order.paid", () => {
		it("creates one pending shipment and emits shipment.created with the order-flow data", async () => {
			const order = await shippedOrder(ADDRESS_DE);
			expect(order.created).toMatchObject({
				specversion: "1.0",
				source: "shipping",
				type: "shipment.created",
				subject: order.shipmentId
			});
			expect(order.created.data).toEqual({
				orderId: order.orderId,
				shipmentId: order.shipmentId,
				userId: order.userId,
				carrier: "DHL",
				trackingNumber: expect.stringMatching(/^JJD\d{18}$/),
				status: "pending"
			});
			const r = await api.get(`/api/v1/shipments/${order.shipmentId}`, { token: accessToken(order.userId) });
			expect(r.status).toBe(200);
			expect(r.body).toEqual({
				id: order.shipmentId,
				orderId: order.orderId,
				userId: order.userId,
				carrier: "DHL",
				trackingNumber: order.created.data.trackingNumber,
				status: "pending",
				shippingAddress: ADDRESS_DE,
				history: [{ status: "pending", at: expect.any(String), by: "system" }],
				createdAt: expect.any(String),
				updatedAt: expect.any(String)
			});
		});

		it("ships outside the EU with UPS", async () => {
			const order = await shippedOrder(ADDRESS_US);
			expect(order.created.data).toMatchObject({ carrier: "UPS", trackingNumber: expect.stringMatching(/^1Z[0-9A-Z]{16}$/) });
		});

		it("creates it once, however often order.paid arrives (redelivered, re-driven, concurrently)", async () => {
			const data = paidData();
			const event = await emitOrderEvent(stack.broker, "order.paid", data);
			await Promise.all([
				stack.broker.emit("order.paid", event),
				stack.broker.emit("order.paid", event),
				emitOrderEvent(stack.broker, "order.paid", data),
				emitOrderEvent(stack.broker, "order.paid", data)
			]);
			await settle();
			expect(await shipments().count({ orderId: data.orderId })).toBe(1);
			expect(probe.of("shipment.created", data.orderId)).toHaveLength(1);
		});

		it("answers the orders reconciler's re-drive (redrive: true) by announcing the shipment it already has", async () => {
			const data = paidData();
			await emitOrderEvent(stack.broker, "order.paid", data);
			await settle();
			const [first] = probe.of("shipment.created", data.orderId);
			await emitOrderEvent(stack.broker, "order.paid", { ...data, redrive: true });
			await settle();
			expect(await shipments().count({ orderId: data.orderId })).toBe(1);
			const announced = probe.of("shipment.created", data.orderId);
			expect(announced).toHaveLength(2);
			expect(announced[1].data).toEqual(first.data);
		});

		it("creates concurrent first deliveries once too", async () => {
			const data = paidData();
			await Promise.all(Array.from({ length: 5 }, () => emitOrderEvent(stack.broker, "order.paid", data)));
			await settle();
			expect(await shipments().count({ orderId: data.orderId })).toBe(1);
			expect(probe.of("shipment.created", data.orderId)).toHaveLength(1);
		});
	});

	describe("PUT /shipments/:id/status", () => {
		it("moves pending -> shipped -> delivered, emitting shipment.shipped and shipment.delivered", async () => {
			const order = await shippedOrder();
			const adminId = randomUUID();
			const token = accessToken(adminId, ["admin"]);

			const shipped = await setStatus(order.shipmentId, "shipped", token);
			expect(shipped.status).toBe(200);
			expect(shipped.body).toMatchObject({ id: order.shipmentId, status: "shipped" });
			expect(shipped.body.history).toEqual([
				{ status: "pending", at: expect.any(String), by: "system" },
				{ status: "shipped", at: expect.any(String), by: adminId }
			]);
			const shippedEvent = await probe.next("shipment.shipped", order.orderId);
			expect(shippedEvent.data).toEqual({ ...order.created.data, status: "shipped" });

			const delivered = await setStatus(order.shipmentId, "delivered", token);
			expect(delivered.status).toBe(200);
			expect(delivered.body.status).toBe("delivered");
			expect(delivered.body.history.map((h: any) => h.status)).toEqual(["pending", "shipped", "delivered"]);
			const deliveredEvent = await probe.next("shipment.delivered", order.orderId);
			expect(deliveredEvent).toMatchObject({ source: "shipping", subject: order.shipmentId });
			expect(deliveredEvent.data).toEqual({ ...order.created.data, status: "delivered" });
		});

		it("refuses every other move with 409 and changes nothing", async () => {
			const order = await shippedOrder();
			const early = await setStatus(order.shipmentId, "delivered");
			expect(early.status).toBe(409);
			expect(early.body.error).toMatchObject({
				type: "INVALID_STATUS_TRANSITION",
				code: 409,
				data: { status: "pending", requested: "delivered" }
			});

			expect((await setStatus(order.shipmentId, "shipped")).status).toBe(200);
			expect((await setStatus(order.shipmentId, "shipped")).status).toBe(409);
			expect((await setStatus(order.shipmentId, "delivered")).status).toBe(200);
			for (const status of ["shipped", "delivered"]) {
				const late = await setStatus(order.shipmentId, status);
				expect(late.status).toBe(409);
				expect(late.body.error.data).toEqual({ status: "delivered", requested: status });
			}
			await settle();
			expect(probe.of("shipment.shipped", order.orderId)).toHaveLength(1);
			expect(probe.of("shipment.delivered", order.orderId)).toHaveLength(1);
			const doc = await shipments().findById(order.shipmentId);
			expect(doc.history.map((h: any) => h.status)).toEqual(["pending", "shipped", "delivered"]);
		});

		it("lets only one of concurrent identical moves through", async () => {
			const order = await shippedOrder();
			const answers = await Promise.all(Array.from({ length: 5 }, () => setStatus(order.shipmentId, "shipped")));
			expect(answers.map(a => a.status).sort()).toEqual([200, 409, 409, 409, 409]);
			await settle();
			expect(probe.of("shipment.shipped", order.orderId)).toHaveLength(1);
			expect((await shipments().findById(order.shipmentId)).history).toHaveLength(2);
		});

		it("is for admins only, takes shipped or delivered only, and 404s an unknown shipment", async () => {
			const order = await shippedOrder();
			expect((await api.put(`/api/v1/shipments/${order.shipmentId}/status`, { status: "shipped" })).status).toBe(401);
			expect((await setStatus(order.shipmentId, "shipped", accessToken(order.userId))).status).toBe(403);
			for (const status of ["pending", "lost", 1, null]) {
				const r = await setStatus(order.shipmentId, status);
				expect(r.status).toBe(422);
				expect(r.body.error.data.map((d: any) => d.field)).toContain("status");
			}
			const extra = await api.put(
				`/api/v1/shipments/${order.shipmentId}/status`,
				{ status: "shipped", carrier: "FedEx" },
				{ token: admin }
			);
			expect(extra.status).toBe(422);
			expect((await setStatus(randomUUID(), "shipped")).status).toBe(404);
			expect((await shipments().findById(order.shipmentId)).status).toBe("pending");
		});
	});

	describe("reading shipments", () => {
		it("shows a shipment to its owner and admins; to anyone else it does not exist", async () => {
			const order = await shippedOrder();
			const url = `/api/v1/shipments/${order.shipmentId}`;
			expect((await api.get(url)).status).toBe(401);
			expect((await api.get(url, { token: accessToken(order.userId) })).status).toBe(200);
			expect((await api.get(url, { token: admin })).body.id).toBe(order.shipmentId);
			const other = await api.get(url, { token: accessToken(randomUUID()) });
			expect(other.status).toBe(404);
			expect(other.body.error).toMatchObject({ type: "NOT_FOUND", code: 404 });
			expect((await api.get(`/api/v1/shipments/${randomUUID()}`, { token: admin })).status).toBe(404);
		});

		it("lists a customer's own shipments only, every shipment for admins, filtered by orderId", async () => {
			const userId = randomUUID();
			const a = await shippedOrder(ADDRESS_DE, userId);
			const b = await shippedOrder(ADDRESS_US, userId);
			const stranger = await shippedOrder();

			const mine = await api.get("/api/v1/shipments", { token: accessToken(userId) });
			expect(mine.status).toBe(200);
			expect(mine.body).toMatchObject({ total: 2, page: 1, pageSize: 20 });
			expect(mine.body.items.map((s: any) => s.orderId).sort()).toEqual([a.orderId, b.orderId].sort());
			const own = await api.get(`/api/v1/shipments?orderId=${a.orderId}`, { token: accessToken(userId) });
			expect(own.body.items.map((s: any) => s.id)).toEqual([a.shipmentId]);
			const notMine = await api.get(`/api/v1/shipments?orderId=${stranger.orderId}`, { token: accessToken(userId) });
			expect(notMine.body).toMatchObject({ items: [], total: 0 });

			const byOrder = await api.get(`/api/v1/shipments?orderId=${stranger.orderId}`, { token: admin });
			expect(byOrder.body.items.map((s: any) => s.id)).toEqual([stranger.shipmentId]);
			const all = await api.get("/api/v1/shipments?pageSize=100", { token: admin });
			expect(all.body.total).toBeGreaterThanOrEqual(3);
			expect((await api.get("/api/v1/shipments?pageSize=0", { token: admin })).status).toBe(422);
		});
	});
});
