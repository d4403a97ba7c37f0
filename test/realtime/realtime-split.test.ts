/**
 * Realtime and logs in the split topology over the machine's NATS: two gateway processes, each
 * running api and realtime, and the domain services in a third. A client connected to gateway B
 * receives the events of an order placed through gateway A (domain events are emitted, and each
 * node's realtime instance listens in a group of its own), and the logs service, on the third
 * node, holds that request's log lines from both nodes.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomUUID } from "node:crypto";
import { client, type Client } from "../helpers/http";
import { freePort, startNode, waitFor, type NodeProcess } from "../helpers/processes";
import { describeWithServer } from "../helpers/servers";
import { connect, wsUrl, type TestSocket } from "./ws-client";

jest.setTimeout(180_000);

const describeWithNats = describeWithServer("NATS", "127.0.0.1", 4222);
const CARD = { cardNumber: "4242424242424242", expMonth: 12, expYear: new Date().getFullYear() + 2, cvc: "123" };
const ADDRESS = { line1: "1 Main St", city: "Berlin", postalCode: "10115", country: "DE" };
const DOMAIN = "users,products,inventory,carts,orders,payments,shipping,notifications,logs";

describeWithNats("realtime across gateway nodes (split topology over NATS)", () => {
	const namespace = `rt-${process.pid}-${Date.now().toString(36)}`;
	const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "shop-rt-split-"));
	const common = {
		TRANSPORTER: "nats://127.0.0.1:4222",
		NAMESPACE: namespace,
		JWT_SECRET: "rt-split-test-secret",
		DATA_DIR: dataDir,
		ADMIN_EMAIL: "admin@rt-split.test",
		ADMIN_PASSWORD: "Admin-pass-123",
		RATE_LIMIT_MAX: "100000",
		REQUEST_TIMEOUT_MS: "5000",
		// Everything a request logs, the gateway's request lines (debug) included.
		LOG_SHIP_LEVEL: "debug",
		LOG_SHIP_INTERVAL_MS: "200"
	};
	const nodes: NodeProcess[] = [];
	const sockets: TestSocket[] = [];
	let a: Client;
	let b: Client;
	let baseA: string;
	let baseB: string;

	const liveServices = async (api: Client) =>
		((await api.get("/api/v1/health")).body?.nodes ?? [])
			.filter((n: { available: boolean }) => n.available)
			.flatMap((n: { services: string[] }) => n.services) as string[];

	beforeAll(async () => {
		const [portA, portB] = [await freePort(), await freePort()];
		const gateway = (name: string, port: number) =>
			startNode(name, {
				...common,
				SERVICES: "api,realtime",
				NODE_ID: `${namespace}-${name}`,
				PORT: String(port),
				HOST: "127.0.0.1"
			});
		nodes.push(gateway("gw-a", portA), gateway("gw-b", portB));
		nodes.push(startNode("domain", { ...common, SERVICES: DOMAIN, NODE_ID: `${namespace}-domain` }));
		baseA = `http://127.0.0.1:${portA}`;
		baseB = `http://127.0.0.1:${portB}`;
		a = client(baseA);
		b = client(baseB);
		for (const api of [a, b]) {
			await waitFor(
				"every service on both gateways",
				async () => {
					const live = await liveServices(api);
					return (
						["api", "realtime", ...DOMAIN.split(",")].every(s => live.includes(s)) &&
						live.filter(s => s === "realtime").length === 2
					);
				},
				90_000
			);
		}
	});

	afterAll(async () => {
		for (const s of sockets) s.close();
		await Promise.all(nodes.map(n => n.stop()));
		fs.rmSync(dataDir, { recursive: true, force: true });
	});

	const open = (base: string, token: string) => {
		const s = connect(wsUrl(base, `?token=${token}`));
		sockets.push(s);
		return s;
	};

	it("a client on gateway B receives the events of an order placed through gateway A; the admin on A the low-stock alert", async () => {
		const admin = (
			await waitFor("admin login", async () => {
				const r = await a.post("/api/v1/auth/login", { email: common.ADMIN_EMAIL, password: common.ADMIN_PASSWORD });
				return r.status === 200 ? r : null;
			})
		).body.accessToken as string;
		const register = async (name: string) => {
			const r = await a.post("/api/v1/auth/register", {
				email: `${name}-${randomUUID()}@rt-split.test`,
				password: "Customer-pass-1",
				name
			});
			expect(r.status).toBe(201);
			return { id: r.body.user.id as string, token: r.body.accessToken as string };
		};
		const [buyer, other] = await Promise.all([register("buyer"), register("other")]);

		const buyerOnB = open(baseB, buyer.token);
		const otherOnA = open(baseA, other.token);
		const adminOnA = open(baseA, admin);
		const adminOnB = open(baseB, admin);
		for (const s of [buyerOnB, otherOnA, adminOnA, adminOnB]) await s.next(m => m.type === "ready", 15_000);

		const product = await a.post("/api/v1/products", { name: "Split lamp", price: 10, category: "test", stock: 10 }, { token: admin });
		expect(product.status).toBe(201);
		const productId = product.body.id;
		await waitFor(
			"stock",
			async () => (await a.get(`/api/v1/inventory/check?productId=${productId}&quantity=1`)).body?.available === 10
		);

		const requestId = `rt-split-${randomUUID()}`;
		const placed = await a.post(
			"/api/v1/orders",
			{ items: [{ productId, quantity: 6 }], shippingAddress: ADDRESS, payment: CARD },
			{ token: buyer.token, headers: { "x-request-id": requestId } }
		);
		expect(placed.status).toBe(201);
		const orderId = placed.body.id;

		const mine = (m: any) => m.type === "event" && m.data?.orderId === orderId;
		for (const type of ["order.created", "order.confirmed", "payment.succeeded", "order.paid", "shipment.created"])
			await buyerOnB.next(m => mine(m) && m.event === type, 30_000);
		for (const s of [adminOnA, adminOnB]) {
			await s.next(m => mine(m) && m.event === "order.created", 30_000);
			await s.next(m => m.event === "inventory.low_stock" && m.data.productId === productId, 30_000);
		}
		expect(buyerOnB.events("inventory.low_stock")).toEqual([]);
		await new Promise(r => setTimeout(r, 300));
		expect(otherOnA.messages.filter(mine)).toEqual([]);

		// Each event reached each socket once, although both gateways' realtime instances got it.
		const created = buyerOnB.messages.filter(m => mine(m) && m.event === "order.created");
		expect(created).toHaveLength(1);

		// The logs node holds that request's lines from gateway A and from the domain node.
		const lines = await waitFor(
			"log lines of the order request from both nodes",
			async () => {
				const r = await b.get(`/api/v1/logs?requestId=${requestId}&pageSize=200`, { token: admin });
				const nodesSeen = new Set((r.body?.items ?? []).map((l: any) => l.node));
				return nodesSeen.has(`${namespace}-gw-a`) && nodesSeen.has(`${namespace}-domain`) ? r.body.items : null;
			},
			30_000
		);
		expect(lines.every((l: any) => l.requestId === requestId)).toBe(true);
		expect(lines.some((l: any) => l.service === "api" && l.message.includes("POST /api/v1/orders"))).toBe(true);
		expect(lines.some((l: any) => l.service === "notifications")).toBe(true);
	});

	it("a gateway node that stops closes its sockets (1001) and exits promptly; the other keeps serving", async () => {
		const admin = (await a.post("/api/v1/auth/login", { email: common.ADMIN_EMAIL, password: common.ADMIN_PASSWORD })).body.accessToken;
		const onB = open(baseB, admin);
		const onA = open(baseA, admin);
		for (const s of [onA, onB]) await s.next(m => m.type === "ready", 15_000);
		const started = Date.now();
		const exitCode = await nodes[1].stop("SIGTERM");
		expect(exitCode).toBe(0);
		expect(Date.now() - started).toBeLessThan(10_000);
		expect((await onB.closed).code).toBe(1001);
		expect(onA.ws.readyState).toBe(onA.ws.OPEN);
		onA.send({ type: "ping" });
		await onA.next(m => m.type === "pong");
	});
});
