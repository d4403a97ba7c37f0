/**
 * `npm start` runs the server compiled by scripts/build-server.ts (dist/server/), not the sources
 * through tsx: the build covers every source file, and the compiled all-in-one node, started with
 * exactly npm start's Node arguments, serves the web app (found from dist/server/) and takes an
 * order to `paid`.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { buildServer, SERVER_DIST_DIR } from "../../scripts/build-server";
import { client, type Client } from "../helpers/http";
import { ADDRESS, CARD } from "../helpers/load";
import { freePort, npmStartArgs, startNode, waitFor, type NodeProcess } from "../helpers/processes";

jest.setTimeout(90_000);

const ROOT = path.resolve(__dirname, "../..");
const ADMIN = { email: "admin@compiled.test", password: "Compiled-admin-1" };

function tsSources(dir: string): string[] {
	return fs
		.readdirSync(path.join(ROOT, dir), { recursive: true, encoding: "utf8" })
		.filter(f => f.endsWith(".ts") && !f.endsWith(".d.ts"))
		.map(f => path.join(dir, f));
}

describe("npm start (the compiled server)", () => {
	let node: NodeProcess | undefined;
	let api: Client;
	let dataDir: string;

	beforeAll(async () => {
		buildServer();
		const port = await freePort();
		dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "shop-compiled-"));
		node = startNode(
			"compiled all-in-one",
			{
				PORT: String(port),
				HOST: "127.0.0.1",
				DATA_DIR: dataDir,
				JWT_SECRET: "compiled-secret",
				ADMIN_EMAIL: ADMIN.email,
				ADMIN_PASSWORD: ADMIN.password
			},
			npmStartArgs()
		);
		api = client(`http://127.0.0.1:${port}`);
		await waitFor("the compiled node to be ready", async () => (await api.get("/api/v1/health/ready")).status === 200, 60_000);
	});

	afterAll(async () => {
		await node?.stop();
		fs.rmSync(dataDir, { recursive: true, force: true });
	});

	it("runs dist/server/server.js, compiled from every source file, and rebuilt only when a source changed", () => {
		expect(npmStartArgs()).toContain("dist/server/server.js");
		expect(buildServer(true).built).toBe(false);
		const sources = ["server.ts", "create-broker.ts", "moleculer.config.ts", ...["lib", "services", "mixins"].flatMap(tsSources)];
		const missing = sources.filter(f => !fs.existsSync(path.join(SERVER_DIST_DIR, f.replace(/\.ts$/, ".js"))));
		expect(missing).toEqual([]);
	});

	it("serves the storefront from dist/web when it is built (else the page that says how to build it)", async () => {
		const built = fs.existsSync(path.join(ROOT, "dist", "web", "storefront", "index.html"));
		const page = await api.get("/");
		expect(page.status).toBe(built ? 200 : 503);
	});

	it("takes an order to paid", async () => {
		const admin = await api.post("/api/v1/auth/login", ADMIN);
		expect(admin.status).toBe(200);
		const product = await api.post(
			"/api/v1/products",
			{ name: "Compiled kettle", description: "Built before it ran", price: 12.5, stock: 3 },
			{ token: admin.body.accessToken }
		);
		expect(product.status).toBe(201);
		const customer = await api.post("/api/v1/auth/register", { email: "buyer@compiled.test", password: "Buyer-pass-1", name: "Buyer" });
		expect(customer.status).toBe(201);
		const token = customer.body.accessToken as string;
		const placed = await api.post(
			"/api/v1/orders",
			{ items: [{ productId: product.body.id, quantity: 1 }], shippingAddress: ADDRESS, payment: CARD },
			{ token }
		);
		expect(placed.status).toBe(201);
		const paid = await waitFor("the order to be paid", async () => {
			const r = await api.get(`/api/v1/orders/${placed.body.id}`, { token });
			return r.body.status === "paid" || r.body.status === "shipped" ? r.body : null;
		});
		expect(paid.total).toBe(12.5);
	});
});
