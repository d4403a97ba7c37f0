/**
 * One node migrates while the others wait (PostgreSQL's advisory lock, on the machine's server):
 * concurrent runs in one process apply a slow migration once; two `npm run migrate` processes
 * started together apply the application's migrations once; two nodes started together with
 * MIGRATE_ON_START=true migrate once and both serve.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { migrate } from "../../lib/migrations/migrate";
import type { Migration } from "../../lib/migrations/types";
import { MIGRATIONS, migratedServices } from "../../lib/migrations/versions";
import { client } from "../helpers/http";
import { createTestDatabase, type TestDatabase } from "../helpers/postgres";
import { freePort, startNode, waitFor, type NodeProcess } from "../helpers/processes";
import { describeWithServer } from "../helpers/servers";
import { queryRows } from "./schema-snapshot";

jest.setTimeout(90_000);

const ROOT = path.resolve(__dirname, "../..");

/** A migration slow enough that two runs overlap, counting how often its step ran. */
const SLOW: Migration[] = [
	{
		name: "0001-slow",
		services: {
			probe: {
				postgres: [
					"CREATE TABLE IF NOT EXISTS probe_runs (at TIMESTAMPTZ DEFAULT now())",
					"SELECT pg_sleep(0.5)",
					"INSERT INTO probe_runs DEFAULT VALUES"
				],
				mongo: {}
			}
		}
	}
];

function runMigrateScript(uri: string): Promise<{ code: number | null; output: string }> {
	return new Promise(resolve => {
		const child = spawn(path.join(ROOT, "node_modules/.bin/node"), ["--import", "tsx", "scripts/migrate.ts"], {
			cwd: ROOT,
			env: { ...process.env, DB_URI: uri, NODE_ENV: "production" },
			stdio: ["ignore", "pipe", "pipe"]
		});
		let output = "";
		child.stdout.on("data", d => (output += d));
		child.stderr.on("data", d => (output += d));
		child.once("exit", code => resolve({ code, output }));
	});
}

describeWithServer(
	"PostgreSQL",
	"127.0.0.1",
	5432
)("the migration lock on PostgreSQL", () => {
	const dbs: TestDatabase[] = [];
	const fresh = async (label: string) => {
		const db = await createTestDatabase(label);
		dbs.push(db);
		return db;
	};
	afterAll(async () => {
		for (const db of dbs) await db.drop();
	});

	it("lets one of two concurrent runs apply a migration; the other waits, then finds it done", async () => {
		const db = await fresh("mig_lock");
		const logs: string[][] = [[], []];
		const run = (i: number) =>
			migrate({
				uri: db.uri,
				services: ["probe"],
				connectTimeoutMs: 5000,
				lockTimeoutMs: 30_000,
				migrations: SLOW,
				logger: { info: m => logs[i].push(m) }
			});

		const results = await Promise.all([run(0), run(1)]);

		expect(results.map(r => r.length).sort()).toEqual([0, 1]);
		expect(await queryRows(db.uri, "SELECT * FROM probe_runs")).toHaveLength(1);
		const waiter = results[0].length === 0 ? 0 : 1;
		expect(logs[waiter].some(l => l.startsWith("Waiting for another node's migration"))).toBe(true);
	});

	it("fails a run that waits longer than the lock timeout, naming the lock", async () => {
		const db = await fresh("mig_lock_timeout");
		const slow = migrate({ uri: db.uri, services: ["probe"], connectTimeoutMs: 5000, lockTimeoutMs: 30_000, migrations: SLOW });
		await new Promise(r => setTimeout(r, 150));
		await expect(
			migrate({ uri: db.uri, services: ["probe"], connectTimeoutMs: 5000, lockTimeoutMs: 100, migrations: SLOW })
		).rejects.toThrow(/migration lock \(PostgreSQL advisory lock\) is still held by another node after 100 ms/);
		expect(await slow).toHaveLength(1);
	});

	it("applies the application's migrations once when two `npm run migrate` start together", async () => {
		const db = await fresh("mig_two_cli");
		const expected = migratedServices().reduce((n, s) => n + MIGRATIONS.filter(m => m.services[s]).length, 0);

		const runs = await Promise.all([runMigrateScript(db.uri), runMigrateScript(db.uri)]);

		for (const r of runs) expect({ code: r.code, output: r.output }).toEqual({ code: 0, output: expect.any(String) });
		const done = runs.map(r => Number(/Done: (\d+) migration/.exec(r.output)?.[1])).sort((a, b) => a - b);
		expect(done).toEqual([0, expected]);
		const recorded = await queryRows(db.uri, "SELECT service, name FROM schema_migrations");
		expect(recorded).toHaveLength(expected);
	});

	it("starts two nodes with MIGRATE_ON_START=true together: one migrates, both serve", async () => {
		const db = await fresh("mig_on_start");
		const nodes: NodeProcess[] = [];
		try {
			const ports = [await freePort(), await freePort()];
			for (const port of ports)
				nodes.push(
					startNode(`node-${port}`, {
						NODE_ENV: "production",
						JWT_SECRET: "migrations-test-secret",
						LOG_LEVEL: "info",
						SERVICES: "api,orders",
						PORT: String(port),
						HOST: "127.0.0.1",
						DB_URI: db.uri,
						MIGRATE_ON_START: "true"
					})
				);
			for (const [i, port] of ports.entries()) {
				await waitFor(`node ${i} ready`, async () => {
					if (nodes[i].child.exitCode !== null) throw new Error(`node ${i} exited: ${nodes[i].output()}`);
					return (await client(`http://127.0.0.1:${port}`).get("/api/v1/health/ready")).status === 200;
				});
			}
			const output = nodes.map(n => n.output()).join("\n");
			expect(output.match(/Applied migration 0001-first-release of orders/g)).toHaveLength(1);
			expect(output.match(/Applied migration 0007-outbox of orders/g)).toHaveLength(1);
			expect(await queryRows(db.uri, "SELECT name FROM schema_migrations WHERE service = 'orders' ORDER BY name")).toEqual(
				MIGRATIONS.filter(m => m.services.orders).map(m => ({ name: m.name }))
			);
		} finally {
			await Promise.all(nodes.map(n => n.stop()));
		}
	});
});
