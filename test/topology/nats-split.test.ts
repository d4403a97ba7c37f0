/**
 * The split topology for real: gateway, users and products as three separate Node processes
 * talking over the machine's NATS server. Proves routing across nodes, a quick 503 when a
 * service's only node is gone, and recovery when it comes back.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { client, type Client } from "../helpers/http";
import { freePort, startNode, waitFor, type NodeProcess } from "../helpers/processes";
import { describeWithServer } from "../helpers/servers";

jest.setTimeout(120_000);

const describeWithNats = describeWithServer("NATS", "127.0.0.1", 4222);

describeWithNats("split topology over NATS (three processes)", () => {
	const namespace = `split-${process.pid}-${Date.now().toString(36)}`;
	const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "shop-split-"));
	const common = {
		TRANSPORTER: "nats://127.0.0.1:4222",
		NAMESPACE: namespace,
		JWT_SECRET: "split-test-secret",
		DATA_DIR: dataDir,
		ADMIN_EMAIL: "admin@split.test",
		ADMIN_PASSWORD: "Admin-pass-123",
		REQUEST_TIMEOUT_MS: "3000"
	};
	let gateway: NodeProcess;
	let users: NodeProcess;
	let products: NodeProcess;
	let api: Client;
	let adminToken: string;
	let productId: string;

	const startProducts = () => startNode("products", { ...common, SERVICES: "products", NODE_ID: `${namespace}-products` });

	beforeAll(async () => {
		const port = await freePort();
		gateway = startNode("api", { ...common, SERVICES: "api", NODE_ID: `${namespace}-api`, PORT: String(port), HOST: "127.0.0.1" });
		users = startNode("users", { ...common, SERVICES: "users", NODE_ID: `${namespace}-users` });
		products = startProducts();
		api = client(`http://127.0.0.1:${port}`);
		await waitFor(
			"gateway to see users and products",
			async () => {
				const h = await api.get("/api/v1/health");
				const services = (h.body?.nodes ?? [])
					.filter((n: { available: boolean }) => n.available)
					.flatMap((n: { services: string[] }) => n.services);
				return services.includes("users") && services.includes("products");
			},
			60_000
		);
	});

	afterAll(async () => {
		await Promise.all([gateway, users, products].filter(Boolean).map(p => p.stop()));
		fs.rmSync(dataDir, { recursive: true, force: true });
	});

	it("each service runs in its own process", async () => {
		const h = await api.get("/api/v1/health");
		const byNode = Object.fromEntries(h.body.nodes.map((n: { id: string; services: string[] }) => [n.id, n.services]));
		expect(byNode[`${namespace}-api`]).toEqual(["api"]);
		expect(byNode[`${namespace}-users`]).toEqual(["users"]);
		expect(byNode[`${namespace}-products`]).toEqual(["products"]);
	});

	it("registers a customer and logs in the admin through the gateway", async () => {
		const reg = await api.post("/api/v1/auth/register", { email: "split@example.com", password: "Customer-123", name: "Split" });
		expect(reg.status).toBe(201);
		expect(reg.body.user.roles).toEqual(["customer"]);
		const login = await waitFor("admin login", async () => {
			const r = await api.post("/api/v1/auth/login", { email: common.ADMIN_EMAIL, password: common.ADMIN_PASSWORD });
			return r.status === 200 ? r : null;
		});
		expect(login.body.user.roles).toContain("admin");
		adminToken = login.body.accessToken;
	});

	it("creates a product as admin on the products node and reads it back", async () => {
		const created = await api.post(
			"/api/v1/products",
			{ name: "Split lamp", description: "Across nodes", price: 19.99, category: "lighting" },
			{ token: adminToken }
		);
		expect(created.status).toBe(201);
		productId = created.body.id;
		const read = await api.get(`/api/v1/products/${productId}`);
		expect(read.status).toBe(200);
		expect(read.body).toMatchObject({ id: productId, name: "Split lamp", price: 19.99 });
	});

	it("answers 503 quickly once the products process has stopped", async () => {
		await products.stop("SIGTERM");
		await waitFor(
			"gateway to notice",
			async () => (await api.get("/api/v1/health")).body.missingServices?.includes("products"),
			10_000
		);
		const started = Date.now();
		const r = await api.get(`/api/v1/products/${productId}`);
		expect(r.status).toBe(503);
		expect(r.body.error.type).toBe("SERVICE_UNAVAILABLE");
		expect(Date.now() - started).toBeLessThan(2000);
		// Users keep working while products are down.
		expect((await api.post("/api/v1/auth/login", { email: common.ADMIN_EMAIL, password: common.ADMIN_PASSWORD })).status).toBe(200);
	});

	it("recovers when the products process is started again", async () => {
		products = startProducts();
		const r = await waitFor(
			"products to come back",
			async () => {
				const res = await api.get(`/api/v1/products/${productId}`);
				return res.status === 200 ? res : null;
			},
			60_000
		);
		expect(r.body.name).toBe("Split lamp");
	});

	it("answers 503 within the request timeout when a node dies without saying goodbye", async () => {
		await products.stop("SIGKILL");
		const started = Date.now();
		// Signed in, so the gateway's copy of this anonymous read (fresh, and its node not yet known dead) is not the answer.
		const r = await api.get(`/api/v1/products/${productId}`, { token: adminToken });
		expect([503]).toContain(r.status);
		expect(Date.now() - started).toBeLessThan(8000);
	});
});
