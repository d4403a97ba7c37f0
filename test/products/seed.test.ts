/**
 * `npm run seed` as an operator runs it: scripts/seed.ts in its own process, beside the real app
 * (server.ts in its own process) on a temporary DATA_DIR, or alone when no app runs.
 *
 * With the app running the seed goes through its HTTP API as the admin: what it creates the app
 * lists at once, with stock, and a second app or the seed's own in-process path on the same data
 * is refused. Without an app it starts the services itself, and the app started afterwards serves
 * the catalog with its stock.
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { DEMO_CATALOG } from "../../scripts/seed-data";
import { freePort, startNode, waitFor, type NodeProcess } from "../helpers/processes";
import type { Doc, Store } from "../../lib/store";
import { startStack } from "../helpers/stack";
import { ADMIN_EMAIL, ADMIN_PASSWORD, E2E_ENV, Shop } from "../orders/shop";

const ROOT = path.resolve(__dirname, "../..");
const NODE = path.join(ROOT, "node_modules/.bin/node");
const N = DEMO_CATALOG.length;

interface SeedRun {
	code: number;
	stdout: string;
	stderr: string;
}

/** Runs scripts/seed.ts as `npm run seed` does, in an environment of its own (none of this process's storage settings). */
function seed(env: Record<string, string>): Promise<SeedRun> {
	const { DB_URI: _a, PRODUCTS_DB_URI: _b, INVENTORY_DB_URI: _c, TRANSPORTER: _d, SERVICES: _e, SEED_URL: _f, ...base } = process.env;
	return new Promise(resolve => {
		execFile(
			NODE,
			["--import", "tsx", "scripts/seed.ts"],
			{ cwd: ROOT, env: { ...base, NODE_ENV: "test", LOG_LEVEL: "warn", ...env }, timeout: 60_000 },
			(err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr })
		);
	});
}

const summary = (run: SeedRun) => run.stdout.trim().split("\n").pop();

/** Every inventory item, by product id. */
async function stockByProduct(shop: Shop): Promise<Map<string, number>> {
	const stock = new Map<string, number>();
	for (let page = 1; ; page++) {
		const r = await shop.api.get(`/api/v1/inventory?page=${page}&pageSize=100`, { token: shop.adminToken });
		expect(r.status).toBe(200);
		for (const item of r.body.items) stock.set(item.productId, item.onHand);
		if (r.body.items.length < 100) return stock;
	}
}

/** Every product with a sku: sku -> id. */
async function productsBySku(shop: Shop): Promise<Map<string, string>> {
	const r = await shop.api.get("/api/v1/products?pageSize=100");
	expect(r.status).toBe(200);
	expect(r.body.total).toBeLessThanOrEqual(100);
	return new Map(r.body.items.filter((p: { sku?: string }) => p.sku).map((p: { sku: string; id: string }) => [p.sku, p.id]));
}

/** Each catalog product is listed once, and its stock record holds the catalog's quantity. */
async function expectCatalogWithStock(shop: Shop): Promise<Map<string, string>> {
	const ids = await productsBySku(shop);
	expect([...ids.keys()].sort()).toEqual(DEMO_CATALOG.map(p => p.sku).sort());
	const stock = await stockByProduct(shop);
	for (const p of DEMO_CATALOG) expect([p.sku, stock.get(ids.get(p.sku)!)]).toEqual([p.sku, p.stock]);
	return ids;
}

describe("npm run seed while the app runs", () => {
	const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "shop-seed-app-"));
	const env = { ...E2E_ENV, DATA_DIR: dataDir, HOST: "127.0.0.1" };
	const stockless = DEMO_CATALOG[0];
	let app: NodeProcess;
	let port: number;
	let shop: Shop;

	beforeAll(async () => {
		// What an earlier release's seed without inventory left behind: a catalog product with no stock
		// record, and (a release before the outbox) no product.created waiting to be delivered, which
		// would otherwise reach the app's inventory once its lease ran out and race the seed.
		const old = await startStack({ services: ["products"], env: { DATA_DIR: dataDir } });
		try {
			const { stock: _none, ...withoutStock } = stockless;
			await old.broker.call("products.create", withoutStock);
			const products = old.broker.getLocalService("products") as unknown as { store(name: string): Store<Doc> };
			expect(await products.store("products_outbox").removeMany({})).toBe(1);
		} finally {
			await old.stop();
		}
		port = await freePort();
		app = startNode("app", { ...env, PORT: String(port) });
		shop = new Shop(`http://127.0.0.1:${port}`);
		await waitFor("the app to be ready", async () => (await shop.api.get("/api/v1/health/ready")).status === 200, 60_000);
		await shop.loginAdmin();
	}, 90_000);

	afterAll(async () => {
		await app?.stop();
		fs.rmSync(dataDir, { recursive: true, force: true });
	});

	it("goes through the app: creates what is missing, each with its stock, and gives stock to the existing product without any", async () => {
		const run = await seed({ PORT: String(port), ADMIN_EMAIL, ADMIN_PASSWORD });
		expect(run).toMatchObject({ code: 0, stderr: "" });
		expect(run.stdout).toContain(`through the app at http://localhost:${port} as ${ADMIN_EMAIL}`);
		expect(run.stdout).toContain(`created ${DEMO_CATALOG[1].sku}  ${DEMO_CATALOG[1].name} (stock ${DEMO_CATALOG[1].stock})`);
		expect(run.stdout).toContain(`stock ${stockless.stock} given to existing ${stockless.sku}`);
		expect(summary(run)).toBe(`Seeded ${N} demo products: created ${N - 1}, skipped 1, stock added to 1 existing`);
		// The app has them at once: it wrote them itself.
		await expectCatalogWithStock(shop);
	}, 60_000);

	it("run again, creates nothing twice", async () => {
		const run = await seed({ SEED_URL: `http://127.0.0.1:${port}/api/v1`, ADMIN_EMAIL, ADMIN_PASSWORD });
		expect(run.code).toBe(0);
		expect(run.stdout).toContain(`skipped ${N} whose sku exists: ${DEMO_CATALOG[0].sku}, ${DEMO_CATALOG[1].sku}`);
		expect(summary(run)).toBe(`Seeded ${N} demo products: created 0, skipped ${N}, stock added to 0 existing`);
		await expectCatalogWithStock(shop);
	}, 60_000);

	it("an order for a seeded product is paid", async () => {
		const ids = await productsBySku(shop);
		const customer = await shop.register("Seed Buyer");
		const order = await shop.placed(customer, [
			{ productId: ids.get(DEMO_CATALOG[5].sku)!, quantity: 2 },
			{ productId: ids.get(stockless.sku)!, quantity: 1 }
		]);
		expect((await shop.reaches(customer, order.id, ["paid", "cancelled"])).status).toBe("paid");
	}, 30_000);

	it("with a wrong admin password, says which variable to set", async () => {
		const run = await seed({ PORT: String(port), ADMIN_EMAIL, ADMIN_PASSWORD: "Not-the-password-1" });
		expect(run.code).toBe(1);
		expect(run.stderr.trim()).toBe(
			`Seed refused: The app at http://localhost:${port} refused the admin login for ${ADMIN_EMAIL}: ` +
				`set ADMIN_PASSWORD to that account's password (and ADMIN_EMAIL if the admin has another email).`
		);
		const unset = await seed({ PORT: String(port), ADMIN_EMAIL, ADMIN_PASSWORD: "" });
		expect(unset.code).toBe(1);
		expect(unset.stderr).toContain("ADMIN_PASSWORD is not set");
	}, 30_000);

	it("a second app on the same DATA_DIR refuses to start, naming the app that holds it", async () => {
		const second = startNode("second", { ...env, PORT: String(await freePort()) });
		const code = await Promise.race([second.exited, new Promise(r => setTimeout(() => r("still running"), 25_000))]);
		await second.stop("SIGKILL");
		expect(code).toBe(1);
		expect(second.output()).toContain(`Refusing to start: another process (pid ${app.child.pid}`);
		expect(second.output()).toContain(`holds DATA_DIR ${dataDir}`);
		// The first app is unharmed.
		expect((await shop.api.get("/api/v1/health/ready")).status).toBe(200);
	}, 30_000);

	it("pointed elsewhere (no app answers there), the seed does not write the data the app holds", async () => {
		const run = await seed({ PORT: String(await freePort()), DATA_DIR: dataDir });
		expect(run.code).toBe(1);
		expect(run.stderr).toContain(`Seed refused: the app (pid ${app.child.pid}) holds DATA_DIR ${dataDir}`);
		expect(run.stderr).toContain("Run the seed against that app");
		expect((await shop.api.get("/api/v1/products?pageSize=1")).body.total).toBe(N);
	}, 30_000);
});

describe("npm run seed without an app", () => {
	it("starts products and inventory itself, idempotent, and the app then serves the catalog with its stock", async () => {
		const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "shop-seed-alone-"));
		try {
			const env = { DATA_DIR: dataDir, PORT: String(await freePort()) };
			const first = await seed(env);
			expect(first).toMatchObject({ code: 0, stderr: "" });
			expect(first.stdout).toContain("No app answers at");
			expect(summary(first)).toBe(`Seeded ${N} demo products: created ${N}, skipped 0, stock added to 0 existing`);
			expect(summary(await seed(env))).toBe(`Seeded ${N} demo products: created 0, skipped ${N}, stock added to 0 existing`);
			// The seed released the data: nothing stays locked.
			expect(fs.existsSync(path.join(dataDir, "products", ".lock"))).toBe(false);

			const stack = await startStack({ services: ["api", "users", "products", "inventory"], env: { ...E2E_ENV, DATA_DIR: dataDir } });
			try {
				const shop = new Shop(stack.baseUrl);
				await shop.loginAdmin();
				await expectCatalogWithStock(shop);
			} finally {
				await stack.stop();
			}
		} finally {
			fs.rmSync(dataDir, { recursive: true, force: true });
		}
	}, 60_000);
});
