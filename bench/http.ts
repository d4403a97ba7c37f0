/**
 * HTTP throughput of the all-in-one gateway on loopback, measured with autocannon (in its own
 * process, bench/load.ts) with the same settings for every scenario:
 *
 *   GET /api/v1/products/{id}   (cached)
 *   GET /api/v1/products/{id} signed in (the same read through the whole pipeline: moleculer-web, JWT, broker)
 *   GET /api/v1/products?page=1 (cached)
 *   POST /api/v1/orders         (50 customers in turn; the checkout then runs on events)
 *   POST /api/v1/orders at fixed rates (BENCH_ORDER_RATES, 250,400 per second): latency at loads the shop sustains
 *   GET on a bare node:http server answering the same product JSON, and the gateway/bare ratio
 *
 * BENCH_CONNECTIONS (50), BENCH_SECONDS (10), BENCH_WARMUP_SECONDS (3), BENCH_LOG_LEVEL (error);
 * BENCH_ONLY=get,bare,signedin,list,orders,orderrate runs only those (to profile one path at a time).
 */
import { fork } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import type { AddressInfo } from "node:net";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { createBroker } from "../lib/broker/create-broker";
import type { LoadJob, LoadResult } from "./load";

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 3);
const ONLY = new Set((process.env.BENCH_ONLY ?? "get,bare,signedin,list,orders,orderrate").split(","));
const ORDER_RATES = (process.env.BENCH_ORDER_RATES ?? "250,400").split(",").map(Number);
const CUSTOMERS = 50;
const CATALOG = 40;
const CARD = { cardNumber: "4242424242424242", expMonth: 12, expYear: new Date().getFullYear() + 2, cvc: "123" };
const ADDRESS = { line1: "1 Bench Street", city: "Berlin", postalCode: "10115", country: "DE" };

export interface HttpScenarioResult extends LoadResult {
	scenario: string;
	connections: number;
	seconds: number;
	[extra: string]: unknown;
}

/**
 * Runs one autocannon job in a child process and waits for its figures, adding the CPU time this
 * process (the server) spent per answered request: a figure that other load on the machine
 * disturbs far less than requests per second.
 */
type Job = Omit<LoadJob, "connections" | "durationSeconds" | "warmupSeconds">;

async function load(job: Job): Promise<LoadResult & { serverCpuUsPerRequest: number; eventLoopMaxMs: number }> {
	const cpu = process.cpuUsage();
	const loop = monitorEventLoopDelay({ resolution: 10 });
	loop.enable();
	const r = await loadInChild(job);
	loop.disable();
	const used = process.cpuUsage(cpu);
	return {
		...r,
		serverCpuUsPerRequest: Math.round((used.user + used.system) / Math.max(1, r.requests + r.warmupRequests)),
		// The server's longest stall: a blocked event loop delays every request in flight.
		eventLoopMaxMs: Math.round(loop.max / 1e6)
	};
}

function loadInChild(job: Job): Promise<LoadResult> {
	return new Promise((resolve, reject) => {
		const child = fork(path.join(__dirname, "load.ts"), [], { execArgv: ["--import", "tsx"], stdio: "inherit" });
		let result: LoadResult | undefined;
		child.once("message", m => (result = m as LoadResult));
		child.once("error", reject);
		child.once("exit", code => (result ? resolve(result) : reject(new Error(`load generator exited with ${code}`))));
		child.send({ ...job, connections: CONNECTIONS, durationSeconds: SECONDS, warmupSeconds: WARMUP_SECONDS } satisfies LoadJob);
	});
}

async function json(base: string, method: string, url: string, body?: unknown, token?: string) {
	const res = await fetch(base + url, {
		method,
		headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
		body: body === undefined ? undefined : JSON.stringify(body)
	});
	const parsed = (await res.json().catch(() => null)) as any;
	if (res.status >= 400) throw new Error(`${method} ${url} answered ${res.status}: ${JSON.stringify(parsed)}`);
	return parsed;
}

function report(scenario: string, r: LoadResult, extra: Record<string, unknown> = {}): HttpScenarioResult {
	const result = { scenario, ...r, connections: CONNECTIONS, seconds: SECONDS, ...extra };
	console.log(JSON.stringify(result));
	return result;
}

/** A node:http server answering every request with the given JSON, as a baseline for the gateway. */
async function bareServer(body: unknown): Promise<{ url: string; close(): Promise<void> }> {
	const server = http.createServer((_req, res) => {
		res.setHeader("Content-Type", "application/json; charset=utf-8");
		res.end(JSON.stringify(body));
	});
	await new Promise<void>(r => server.listen(0, "127.0.0.1", r));
	return {
		url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
		close: () => new Promise(r => server.close(() => r()))
	};
}

/** Orders that ended their checkout so far: paid or cancelled. */
async function settled(base: string, admin: string): Promise<{ paid: number; cancelled: number }> {
	const [paid, cancelled] = await Promise.all(
		["paid", "cancelled"].map(async s => (await json(base, "GET", `/orders?status=${s}&pageSize=1`, undefined, admin)).total as number)
	);
	return { paid, cancelled };
}

/** Waits until the orders placed since `before` ended their checkout; counts only those. */
async function waitForCheckout(
	base: string,
	admin: string,
	before: { paid: number; cancelled: number },
	placed: number,
	timeoutMs = 120_000
) {
	const started = performance.now();
	for (;;) {
		const now = await settled(base, admin);
		const paid = now.paid - before.paid;
		const cancelled = now.cancelled - before.cancelled;
		if (paid + cancelled >= placed || performance.now() - started > timeoutMs)
			return { paid, cancelled, drainSeconds: Number(((performance.now() - started) / 1000).toFixed(1)) };
		await new Promise(r => setTimeout(r, 250));
	}
}

export async function benchHttp(): Promise<HttpScenarioResult[]> {
	const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "shop-bench-http-"));
	const huge = "1000000000";
	Object.assign(process.env, {
		PORT: "0",
		HOST: "127.0.0.1",
		DATA_DIR: dataDir,
		LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? "error",
		RATE_LIMIT_MAX: huge,
		RATE_LIMIT_USER_MAX: huge,
		RATE_LIMIT_LOGIN_MAX: huge,
		JWT_SECRET: "bench-secret",
		ADMIN_EMAIL: "admin@bench.local",
		ADMIN_PASSWORD: "Bench-admin-1"
	});
	const broker = createBroker();
	await broker.start();
	const port = (broker.getLocalService("api") as unknown as { server: { address(): AddressInfo } }).server.address().port;
	const origin = `http://127.0.0.1:${port}`;
	const base = `${origin}/api/v1`;
	const results: HttpScenarioResult[] = [];
	try {
		const admin = (await json(base, "POST", "/auth/login", { email: "admin@bench.local", password: "Bench-admin-1" })).accessToken;
		const products: any[] = [];
		for (let i = 0; i < CATALOG; i++)
			products.push(
				await json(
					base,
					"POST",
					"/products",
					{
						name: `Bench item ${i}`,
						description: `A product of the benchmark catalog, number ${i}, with a description of ordinary length.`,
						price: Number((9.99 + i).toFixed(2)),
						category: `bench-${i % 4}`,
						sku: `BENCH-${i}`,
						images: [`https://img.example/bench/${i}.jpg`],
						stock: 1_000_000
					},
					admin
				)
			);
		const product = products[0];
		const tokens = await Promise.all(
			Array.from(
				{ length: CUSTOMERS },
				async (_, i) =>
					(await json(base, "POST", "/auth/register", { email: `h${i}@bench.local`, password: "Customer-pass-1", name: `H${i}` }))
						.accessToken as string
			)
		);
		const productJson = await json(base, "GET", `/products/${product.id}`);

		if (ONLY.has("get"))
			results.push(report("gateway GET /products/{id} (cached)", await load({ url: `${base}/products/${product.id}` })));
		if (ONLY.has("bare")) {
			const bare = await bareServer(productJson);
			try {
				results.push(report("bare node:http, same product JSON", await load({ url: bare.url })));
			} finally {
				await bare.close();
			}
		}
		if (ONLY.has("signedin"))
			results.push(
				report(
					"gateway GET /products/{id} signed in (full pipeline)",
					await load({ url: `${base}/products/${product.id}`, tokens: tokens.slice(0, 10) })
				)
			);
		if (ONLY.has("list")) results.push(report("gateway GET /products?page=1 (cached)", await load({ url: `${base}/products?page=1` })));
		if (ONLY.has("orders")) results.push(await benchOrderPosts("gateway POST /orders", base, admin, products[1].id, tokens));
		if (ONLY.has("orderrate"))
			for (const rate of ORDER_RATES)
				results.push(await benchOrderPosts(`gateway POST /orders at ${rate}/s`, base, admin, products[2].id, tokens, rate));
		if (ONLY.has("get") && ONLY.has("bare")) {
			const gateway = results[0].requestsPerSecond;
			const baseline = results[1].requestsPerSecond;
			const ratio = Number((gateway / baseline).toFixed(2));
			console.log(`cached GET /products/{id}: gateway ${gateway} req/s, bare node:http ${baseline} req/s, ratio ${ratio}`);
			results[0].ratioToBare = ratio;
		}
		return results;
	} finally {
		await broker.stop();
		fs.rmSync(dataDir, { recursive: true, force: true });
	}
}

/**
 * POST /orders by 50 customers in turn, as fast as answered or at a fixed rate; then waits until
 * every placed order finished its checkout (drainSeconds: how far the checkout was behind).
 */
async function benchOrderPosts(
	scenario: string,
	base: string,
	admin: string,
	productId: string,
	tokens: string[],
	overallRate?: number
): Promise<HttpScenarioResult> {
	const before = (await json(base, "GET", "/orders?pageSize=1", undefined, admin)).total as number;
	const settledBefore = await settled(base, admin);
	const cpu = process.cpuUsage();
	const orders = await load({
		url: `${base}/orders`,
		method: "POST",
		body: JSON.stringify({ items: [{ productId, quantity: 1 }], shippingAddress: ADDRESS, payment: CARD }),
		tokens,
		overallRate
	});
	const placed = ((await json(base, "GET", "/orders?pageSize=1", undefined, admin)).total as number) - before;
	const flow = await waitForCheckout(base, admin, settledBefore, placed);
	const used = process.cpuUsage(cpu);
	// The whole checkout of each order (reserve, charge, ship) ran in this process too.
	const serverCpuUsPerOrder = Math.round((used.user + used.system) / Math.max(1, placed));
	return report(scenario, orders, { ...(overallRate ? { offeredPerSecond: overallRate } : {}), placed, ...flow, serverCpuUsPerOrder });
}

/** bench/results.json: every scenario of the run, with the machine's load when it ran. */
export function writeResults(results: unknown[]): void {
	const file = path.join(__dirname, "results.json");
	const doc = { at: new Date().toISOString(), node: process.version, cpus: os.cpus().length, loadavg: os.loadavg(), results };
	fs.writeFileSync(file, JSON.stringify(doc, null, "\t") + "\n");
	console.log(`results written to ${path.relative(process.cwd(), file)}`);
}

// `node --import tsx bench/http.ts` runs these scenarios alone (for profiling: add --cpu-prof).
if (require.main === module)
	void benchHttp().then(
		results => process.exit(results.some(r => r.errors > 0) ? 1 : 0),
		err => {
			console.error(err);
			process.exit(1);
		}
	);
