/**
 * `npm run seed` as an operator runs it (scripts/seed.ts in its own process, no gateway): twice
 * against the same storage, the second run changes nothing, and the app then serves the catalog.
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { DEMO_CATALOG } from "../../scripts/seed-data";
import { client } from "../helpers/http";
import { PG_HOST, PG_PORT, createTestDatabase } from "../helpers/postgres";
import { describeWithServer } from "../helpers/servers";
import { startStack } from "../helpers/stack";

const ROOT = path.resolve(__dirname, "../..");
const TSX = path.join(ROOT, "node_modules/.bin/tsx");
const run = promisify(execFile);

async function seed(env: Record<string, string>): Promise<string> {
	const { DB_URI: _a, PRODUCTS_DB_URI: _b, TRANSPORTER: _c, SERVICES: _d, ...base } = process.env;
	const { stdout } = await run(TSX, ["scripts/seed.ts"], { cwd: ROOT, env: { ...base, NODE_ENV: "test", ...env }, timeout: 60_000 });
	return stdout.trim();
}

const n = DEMO_CATALOG.length;

async function seedTwiceThenServe(env: Record<string, string>) {
	expect(await seed(env)).toBe(`Seeded ${n} demo products: created ${n}, updated 0, unchanged 0`);
	expect(await seed(env)).toBe(`Seeded ${n} demo products: created 0, updated 0, unchanged ${n}`);
	const stack = await startStack({ services: ["api", "products"], env });
	try {
		const api = client(stack.baseUrl);
		const list = await api.get("/api/v1/products?pageSize=1");
		expect(list.body.total).toBe(n);
		const categories = await api.get("/api/v1/categories");
		expect(categories.body.length).toBeGreaterThanOrEqual(5);
		expect(categories.body.reduce((sum: number, c: { productCount: number }) => sum + c.productCount, 0)).toBe(n);
	} finally {
		await stack.stop();
	}
}

describe("npm run seed", () => {
	it("on the embedded store: idempotent, and the app serves the seeded catalog", async () => {
		const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "shop-seed-"));
		try {
			await seedTwiceThenServe({ DATA_DIR: dataDir });
		} finally {
			fs.rmSync(dataDir, { recursive: true, force: true });
		}
	}, 60_000);
});

describeWithServer(
	"PostgreSQL",
	PG_HOST,
	PG_PORT
)("npm run seed on PostgreSQL", () => {
	it("is idempotent, and the app serves the seeded catalog", async () => {
		const db = await createTestDatabase("seed");
		try {
			await seedTwiceThenServe({ DB_URI: db.uri });
		} finally {
			await db.drop();
		}
	}, 60_000);
});
