/**
 * The all-in-one shop started as `npm start` starts it (the server compiled by
 * scripts/build-server.ts, node with the same flags), in a process of its own on a free loopback
 * port and the given DATA_DIR, with the gateway's rate limits out of the way; ready once
 * GET /api/v1/health/ready answers 200.
 * BENCH_SHOP_NODE_FLAGS adds Node flags for the shop alone (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof").
 * BENCH_SHOP_DIR runs the shop of another checkout (an older release in a git worktree) under the
 * same load, for before/after figures from one benchmark, with the Node flags of its own `npm start`;
 * a checkout from before the compiled start runs its server.ts through tsx, as its `npm start` did.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { freePort, spawnNode, waitFor200, type NodeProcess } from "./processes";
import { startEnv, startFlags } from "./start-script";

export const ADMIN = { email: "admin@bench.local", password: "Bench-admin-1" };
const ROOT = path.resolve(process.env.BENCH_SHOP_DIR ?? path.join(__dirname, ".."));
const HUGE = "1000000000";

export interface Shop extends NodeProcess {
	origin: string;
	/** http://127.0.0.1:<port>/api/v1 */
	base: string;
	/** From spawn until /health/ready answered 200. */
	readyMs: number;
}

let entry: string | null = null;

/** The script `npm start` of ROOT runs: compiled first (once per benchmark) where ROOT has the build. */
function shopEntry(): string {
	if (entry) return entry;
	const build = path.join(ROOT, "scripts", "build-server.ts");
	if (!fs.existsSync(build)) return (entry = path.join(ROOT, "server.ts"));
	execFileSync(process.execPath, ["--import", "tsx", build], { cwd: ROOT, stdio: "ignore" });
	return (entry = path.join(ROOT, "dist", "server", "server.js"));
}

export async function startShop(dataDir: string, env: Record<string, string> = {}, readyTimeoutMs = 600_000): Promise<Shop> {
	const port = await freePort();
	const started = performance.now();
	const proc = spawnNode(
		shopEntry(),
		{
			// As `npm start` runs it (package.json); the caller's environment may set those otherwise.
			...startEnv(ROOT),
			...process.env,
			PORT: String(port),
			HOST: "127.0.0.1",
			DATA_DIR: dataDir,
			LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? "error",
			RATE_LIMIT_MAX: HUGE,
			RATE_LIMIT_USER_MAX: HUGE,
			RATE_LIMIT_LOGIN_MAX: HUGE,
			JWT_SECRET: "bench-secret",
			ADMIN_EMAIL: ADMIN.email,
			ADMIN_PASSWORD: ADMIN.password,
			// GET /metrics open to the soak's heap readings, whatever the caller's environment holds.
			METRICS_TOKEN: "",
			...env
		},
		ROOT,
		(process.env.BENCH_SHOP_NODE_FLAGS ?? "").split(" ").filter(Boolean),
		startFlags(ROOT)
	);
	const origin = `http://127.0.0.1:${port}`;
	try {
		const readyMs = await waitFor200(`${origin}/api/v1/health/ready`, proc, started, readyTimeoutMs);
		return { ...proc, origin, base: `${origin}/api/v1`, readyMs };
	} catch (err) {
		await proc.stop(5000);
		throw err;
	}
}
