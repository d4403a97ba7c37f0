/**
 * Business metrics in the split topology over the machine's NATS, as real node processes: a node
 * with the gateway and every other service, and two orders nodes sharing one PostgreSQL database,
 * each serving its metrics at METRICS_PORT behind METRICS_TOKEN. Each figure is exported by the
 * nodes of the service that owns it; an event is counted by one node of that service, so summed
 * over nodes every order counts once; both orders nodes read the same orders by status.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { client, type Client } from "../helpers/http";
import { createTestDatabase, PG_HOST, PG_PORT, type TestDatabase } from "../helpers/postgres";
import { freePort, startNode, waitFor, type NodeProcess } from "../helpers/processes";
import { serverUp } from "../helpers/servers";
import { describeWith } from "../messaging/support";
import { ADDRESS, CARDS } from "../orders/support";
import { sample, total } from "./support";

jest.setTimeout(180_000);

const NATS = { name: "NATS on 127.0.0.1:4222", available: serverUp("127.0.0.1", 4222) };
const POSTGRES = { name: `PostgreSQL on ${PG_HOST}:${PG_PORT}`, available: serverUp(PG_HOST, PG_PORT) };
const TOKEN = "split-metrics-token";
const OTHERS = "api,users,products,inventory,carts,payments,shipping,notifications,logs";

describeWith(NATS, POSTGRES)("business metrics on the nodes that own them (split topology over NATS)", () => {
	const namespace = `metrics-${process.pid}-${Date.now().toString(36)}`;
	const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "shop-metrics-split-"));
	const nodes: NodeProcess[] = [];
	let db: TestDatabase;
	let api: Client;
	let ordersPorts: number[];

	const common = () => ({
		TRANSPORTER: "nats://127.0.0.1:4222",
		NAMESPACE: namespace,
		JWT_SECRET: "metrics-split-secret",
		DATA_DIR: dataDir,
		ADMIN_EMAIL: "admin@metrics-split.test",
		ADMIN_PASSWORD: "Admin-pass-123",
		RATE_LIMIT_MAX: "100000",
		REQUEST_TIMEOUT_MS: "5000",
		ORDERS_DB_URI: db.uri,
		ORDER_RECONCILE_INTERVAL_MS: "0",
		METRICS_TOKEN: TOKEN,
		METRICS_POLL_INTERVAL_MS: "200"
	});
	const liveServices = async () =>
		((await api.get("/api/v1/health")).body?.nodes ?? [])
			.filter((n: { available: boolean }) => n.available)
			.flatMap((n: { services: string[] }) => n.services) as string[];
	const metricsAt = async (port: number, token = TOKEN) => {
		const r = await fetch(`http://127.0.0.1:${port}/metrics`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
		return { status: r.status, text: await r.text() };
	};

	beforeAll(async () => {
		db = await createTestDatabase("metrics_split");
		const port = await freePort();
		ordersPorts = [await freePort(), await freePort()];
		api = client(`http://127.0.0.1:${port}`);
		nodes.push(
			startNode("others", { ...common(), SERVICES: OTHERS, NODE_ID: `${namespace}-others`, PORT: String(port), HOST: "127.0.0.1" })
		);
		const ordersNode = (i: number) =>
			startNode(`orders-${i}`, {
				...common(),
				SERVICES: "orders",
				NODE_ID: `${namespace}-orders-${i}`,
				METRICS_PORT: String(ordersPorts[i])
			});
		// One after the other: the first creates the orders table.
		nodes.push(ordersNode(0));
		await waitFor("the gateway and the first orders node", async () => (await liveServices()).includes("orders"), 90_000);
		nodes.push(ordersNode(1));
		await waitFor("both orders nodes", async () => (await liveServices()).filter(s => s === "orders").length === 2, 90_000);
	});

	afterAll(async () => {
		await Promise.all(nodes.map(n => n.stop()));
		await db?.drop();
		fs.rmSync(dataDir, { recursive: true, force: true });
	});

	it("places orders through the gateway and counts each once over both orders nodes", async () => {
		const admin = await api.post("/api/v1/auth/login", { email: "admin@metrics-split.test", password: "Admin-pass-123" });
		expect(admin.status).toBe(200);
		const product = await api.post(
			"/api/v1/products",
			{ name: "Split lamp", price: 12, category: "lamps", stock: 100 },
			{ token: admin.body.accessToken }
		);
		expect(product.status).toBe(201);
		await waitFor(
			"stock",
			async () => (await api.get(`/api/v1/inventory/check?productId=${product.body.id}&quantity=1`)).body?.available === 100
		);
		const reg = await api.post("/api/v1/auth/register", {
			email: "split-metrics@example.com",
			password: "Customer-123",
			name: "Split"
		});
		const token = reg.body.accessToken as string;
		const ids: string[] = [];
		for (let i = 0; i < 4; i++) {
			const r = await api.post(
				"/api/v1/orders",
				{ items: [{ productId: product.body.id, quantity: 1 }], shippingAddress: ADDRESS, payment: CARDS.ok },
				{ token }
			);
			expect(r.status).toBe(201);
			ids.push(r.body.id);
		}
		for (const id of ids)
			await waitFor(`order ${id} paid`, async () =>
				["paid", "shipped"].includes((await api.get(`/api/v1/orders/${id}`, { token })).body?.status)
			);

		const readings = await waitFor("both orders nodes to read 4 paid orders", async () => {
			const texts = await Promise.all(ordersPorts.map(async p => (await metricsAt(p)).text));
			return texts.every(t => sample(t, "shop_orders", { status: "paid" }) === 4) ? texts : null;
		});
		const sum = (metric: string, labels: Record<string, string> = {}) => readings.reduce((n, t) => n + total(t, metric, labels), 0);
		expect(sum("shop_orders_created_total")).toBe(4);
		expect(sum("shop_checkout_duration_seconds_count")).toBe(4);
		expect(sum("shop_checkout_duration_seconds_bucket", { le: "+Inf" })).toBe(4);
	});

	it("exports payments, reservations and mails on the node running those services, and no orders figures there", async () => {
		const text = await waitFor("the other node's figures", async () => {
			const r = await api.get("/api/v1/metrics", { token: TOKEN });
			const ready = r.status === 200 && total(r.body, "shop_payments_total", { outcome: "succeeded" }) === 4;
			return ready && total(r.body, "shop_notifications_total", { outcome: "sent" }) > 0 ? (r.body as string) : null;
		});
		expect(total(text, "shop_inventory_reservations_total", { outcome: "reserved" })).toBe(4);
		expect(total(text, "shop_inventory_low_stock_items")).toBe(0);
		expect(text).not.toMatch(/^shop_orders\{/m);
		expect(text).not.toMatch(/^shop_checkout_duration_seconds/m);
	});

	it("asks for the METRICS_TOKEN at METRICS_PORT", async () => {
		expect((await metricsAt(ordersPorts[0]!, "")).status).toBe(401);
		expect((await metricsAt(ordersPorts[0]!, "wrong")).status).toBe(401);
		expect((await metricsAt(ordersPorts[0]!)).status).toBe(200);
	});
});
