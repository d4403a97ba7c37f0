/**
 * Failover in the split topology over the machine's NATS, with real node processes: two inventory
 * nodes on one PostgreSQL database, killed with SIGKILL (no goodbye, so only the callers can tell)
 * while an admin reads stock and a customer orders through the gateway.
 *
 * - One of two inventory nodes dies: every read still answers 200 (the call waiting on the dead
 *   node is sent again to the live one), every order 201.
 * - The last one dies: reads answer 503 with the error body, quickly (no wait for the 10 s request
 *   timeout, no 500), orders are still taken.
 * - A replacement starts: reads answer 200 again and every order taken meanwhile gets paid.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { client, type Client } from "../helpers/http";
import {
	adminToken,
	customerToken,
	liveServices,
	loop,
	orderOf,
	statusCounts,
	stockedProduct,
	stopLoops,
	type Answer
} from "../helpers/load";
import { settledOrders } from "../chaos/invariants";
import { createTestDatabase, type TestDatabase } from "../helpers/postgres";
import { freePort, startNode, waitFor, type NodeProcess } from "../helpers/processes";
import { describeWithServer } from "../helpers/servers";

jest.setTimeout(150_000);

const describeWithNats = describeWithServer("NATS", "127.0.0.1", 4222);
const STOCK = 500;

describeWithNats("failover: inventory nodes killed with SIGKILL (split topology over NATS)", () => {
	const namespace = `failover-${process.pid}-${Date.now().toString(36)}`;
	const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "shop-failover-"));
	const common = {
		TRANSPORTER: "nats://127.0.0.1:4222",
		NAMESPACE: namespace,
		JWT_SECRET: "failover-test-secret",
		DATA_DIR: dataDir,
		ADMIN_EMAIL: "admin@failover.test",
		ADMIN_PASSWORD: "Admin-pass-123",
		RATE_LIMIT_MAX: "100000",
		ORDER_STUCK_AFTER_MS: "1500",
		ORDER_RECONCILE_INTERVAL_MS: "500"
	};
	let db: TestDatabase;
	const nodes: NodeProcess[] = [];
	let api: Client;
	let admin: string;
	let customer: string;
	let productId: string;
	let itemId: string;
	const orderIds: string[] = [];

	const start = (name: string, services: string, extra: Record<string, string> = {}) => {
		const node = startNode(name, { ...common, SERVICES: services, NODE_ID: `${namespace}-${name}`, ...extra });
		nodes.push(node);
		return node;
	};
	const startInventory = (name: string) => start(name, "inventory", { INVENTORY_DB_URI: db.uri });
	const inventoryNodes = async () =>
		((await api.get("/api/v1/health")).body?.nodes ?? []).filter(
			(n: { available: boolean; services: string[] }) => n.available && n.services.includes("inventory")
		).length as number;

	/** Admin reads of the stock (signed in, so the gateway's response cache is not the answer) and orders, in loops. */
	const traffic = () => {
		const reads = loop("read", () => api.get(`/api/v1/inventory/${itemId}`, { token: admin }), 3);
		const checks = loop("check", () => api.get(`/api/v1/inventory/check?productId=${productId}&quantity=1`, { token: admin }));
		const orders = loop("order", () => api.post("/api/v1/orders", orderOf(productId), { token: customer }), 1, 100);
		return {
			async stop() {
				const [r, c, o] = await Promise.all([reads.stop(), checks.stop(), orders.stop()]);
				orderIds.push(...o.filter(a => a.status === 201).map(a => (a.body as { id: string }).id));
				return { reads: [...r, ...c], orders: o };
			}
		};
	};

	beforeAll(async () => {
		db = await createTestDatabase("failover");
		const port = await freePort();
		start("front", "api,users,products,carts", { PORT: String(port), HOST: "127.0.0.1" });
		start("flow", "orders,payments");
		const first = startInventory("inventory-a");
		api = client(`http://127.0.0.1:${port}`);
		await waitFor("the first inventory node", async () => (await inventoryNodes()) === 1, 60_000).catch(err => {
			throw new Error(`${err.message}\n${first.output()}`);
		});
		// Started after the first one has created the tables (two at once race on CREATE TABLE).
		startInventory("inventory-b");
		admin = await adminToken(api, common.ADMIN_EMAIL, common.ADMIN_PASSWORD);
		customer = await customerToken(api, "buyer@failover.test");
		productId = await stockedProduct(api, admin, STOCK);
		const items = await api.get(`/api/v1/inventory?page=1&pageSize=100`, { token: admin });
		itemId = items.body.items.find((i: { productId: string }) => i.productId === productId).id;
		await waitFor("both inventory nodes", async () => (await inventoryNodes()) === 2, 60_000);
		expect(await liveServices(api)).toEqual(expect.arrayContaining(["orders", "payments", "products", "users"]));
	});

	afterAll(async () => {
		await stopLoops();
		await Promise.all(nodes.map(n => n.stop("SIGKILL")));
		await db?.drop();
		fs.rmSync(dataDir, { recursive: true, force: true });
	});

	const describeAnswers = (answers: Answer[]) =>
		JSON.stringify(
			answers
				.filter(a => a.status !== 200 && a.status !== 201)
				.map(a => ({ what: a.what, status: a.status, ms: a.ms, body: a.body })),
			null,
			1
		).slice(0, 3000);

	it("answers every read and order while one of two inventory nodes is killed", async () => {
		const load = traffic();
		await new Promise(r => setTimeout(r, 1000));
		const victim = nodes.find(n => n.name === "inventory-a")!;
		await victim.stop("SIGKILL");
		const killedAt = Date.now();
		// Until Moleculer's own heartbeat timeout (15 s) would have dropped it, and a bit more.
		await waitFor("the gateway to see one inventory node", async () => (await inventoryNodes()) === 1, 20_000);
		const detectedIn = Date.now() - killedAt;
		await new Promise(r => setTimeout(r, 2000));
		const { reads, orders } = await load.stop();

		expect({ reads: statusCounts(reads), orders: statusCounts(orders) }).toEqual({
			reads: { 200: reads.length },
			orders: { 201: orders.length }
		});
		// Found dead by the first call left waiting on it, long before the heartbeat timeout.
		expect(detectedIn).toBeLessThan(5000);
		// The calls caught on the dead node were answered by the live one, without waiting for the request timeout.
		expect(Math.max(...reads.map(a => a.ms))).toBeLessThan(4000);
	});

	it("answers 503 at once, never 500, once the last inventory node is killed; orders are still taken", async () => {
		const load = traffic();
		await new Promise(r => setTimeout(r, 1000));
		await nodes.find(n => n.name === "inventory-b")!.stop("SIGKILL");
		const killedAt = Date.now();
		await new Promise(r => setTimeout(r, 6000));
		const { reads, orders } = await load.stop();

		const failed = reads.filter(a => a.status !== 200);
		expect(failed.length).toBeGreaterThan(10);
		expect(failed.filter(a => a.status !== 503)).toEqual([]);
		for (const a of failed) expect(a.body).toEqual({ error: { type: "SERVICE_UNAVAILABLE", message: expect.any(String), code: 503 } });
		// The calls caught on the dead node: the ping's wait, not the 10 s request timeout.
		expect(Math.max(...failed.map(a => a.ms))).toBeLessThan(2500);
		// Sent once the node was known dead: answered at once.
		const firstFailure = Math.min(...failed.map(a => a.sentAt + a.ms));
		const later = failed.filter(a => a.sentAt > firstFailure);
		expect(later.length).toBeGreaterThan(5);
		expect(Math.max(...later.map(a => a.ms))).toBeLessThan(1000);
		expect(firstFailure - killedAt).toBeLessThan(3000);
		expect({ orders: statusCounts(orders) }).toEqual({ orders: { 201: orders.length } });
		if (reads.some(a => a.status >= 500 && a.status !== 503)) throw new Error(describeAnswers(reads));
	});

	it("serves reads again once a replacement starts, and every order taken meanwhile is paid", async () => {
		startInventory("inventory-a");
		await waitFor(
			"reads to succeed again",
			async () => (await api.get(`/api/v1/inventory/${itemId}`, { token: admin })).status === 200,
			60_000
		);
		const load = traffic();
		await new Promise(r => setTimeout(r, 2000));
		const { reads, orders } = await load.stop();
		expect({ reads: statusCounts(reads), orders: statusCounts(orders) }).toEqual({
			reads: { 200: reads.length },
			orders: { 201: orders.length }
		});

		// Every order in the system (also those whose 201 was lost with a failed test step) is paid.
		const settled = await settledOrders(api, admin, orderIds);
		expect(settled.filter(o => o.status !== "paid").map(o => `${o.id}: ${o.status}`)).toEqual([]);
		const item = (await api.get(`/api/v1/inventory/${itemId}`, { token: admin })).body;
		// A paid order holds its unit until its shipment leaves: each exactly once.
		expect({ onHand: item.onHand, reserved: item.reserved }).toEqual({ onHand: STOCK, reserved: settled.length });
	});
});
