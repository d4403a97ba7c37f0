/**
 * HTTP throughput of the all-in-one gateway on loopback. The shop runs in a process of its own
 * (bench/shop-process.ts), the bare node:http baseline in another (bench/bare-server.ts), and the
 * load generator (autocannon, or bench/load-at-rate.ts) in this one, with the same settings for
 * every scenario:
 *
 *   GET /api/v1/products/{id}   (cached), and a bare node:http server answering the same product JSON: the ratio,
 *                               over BENCH_RUNS interleaved pairs of runs
 *   GET /api/v1/products/{id} signed in (the same read through the whole pipeline: moleculer-web, JWT, broker)
 *   GET /api/v1/products?page=1 (cached)
 *   POST /api/v1/orders         (50 customers in turn, as fast as answered; the checkout then runs on events)
 *   POST /api/v1/orders at fixed rates (BENCH_ORDER_RATES, 250,400 per second): latency at loads the shop sustains
 *
 * Each scenario is warmed up first so that JIT and caches settle: a read for BENCH_WARMUP_SECONDS (5),
 * an order scenario for BENCH_ORDER_WARMUP_SECONDS (15; after 5 s, the first run at 400/s still
 * took 0.1-0.4 ms more CPU per order than the runs after it, docs/performance.md). The order
 * scenarios then wait for the warm-up's checkouts and run BENCH_RUNS (5) measured runs each,
 * waiting after each one until its orders ended their checkout, and print the spread.
 * BENCH_CONNECTIONS (50), BENCH_SECONDS (10), BENCH_LOG_LEVEL (error);
 * BENCH_ONLY=get,bare,signedin,list,orders,orderrate runs only those (to profile one path at a time).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { startBareServer } from "./bare-server";
import { measure, type LoadJob, type LoadResult } from "./load";
import type { NodeProcess } from "./processes";
import { keep, machine, median, num, printSummary, say, spread, summarize } from "./report";
import { adminToken, createProducts, json, orderBody, orderCounts, registerCustomers, waitForCheckout } from "./shop-client";
import { startShop, type Shop } from "./shop-process";

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 5);
const ORDER_WARMUP_SECONDS = Number(process.env.BENCH_ORDER_WARMUP_SECONDS ?? 15);
const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? 5));
const ONLY = new Set((process.env.BENCH_ONLY ?? "get,bare,signedin,list,orders,orderrate").split(","));
const ORDER_RATES = (process.env.BENCH_ORDER_RATES ?? "250,400").split(",").map(Number);
const CUSTOMERS = 50;
const CATALOG = 40;

export const HTTP_SETTINGS = `${CONNECTIONS} connections, ${WARMUP_SECONDS} s warm-up per read and ${ORDER_WARMUP_SECONDS} s per order scenario, ${SECONDS} s measured, ${RUNS} run${RUNS === 1 ? "" : "s"} of each order scenario and of the cached read against the bare server`;

export interface HttpScenarioResult extends LoadResult {
	scenario: string;
	connections: number;
	seconds: number;
	/** CPU time of the server's process (all threads) per answered request; null without /proc. */
	serverCpuUsPerRequest: number | null;
	[extra: string]: unknown;
}

type Job = Omit<LoadJob, "connections" | "durationSeconds" | "warmupSeconds">;

function run(job: Job, seconds: number): Promise<LoadResult> {
	return measure({ ...job, connections: CONNECTIONS, durationSeconds: seconds, warmupSeconds: 0 });
}

function cpuPer(server: NodeProcess, cpuBefore: number | null, count: number): number | null {
	const cpuAfter = server.cpuUs();
	return cpuBefore === null || cpuAfter === null ? null : Math.round((cpuAfter - cpuBefore) / Math.max(1, count));
}

function readFigures(r: HttpScenarioResult): string {
	return `${num(r.requestsPerSecond)} req/s, p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, ${num(r.serverCpuUsPerRequest)} µs server CPU/request, ${r.errors} errors`;
}

/** One measured run of a read, with the server's CPU time per request, printed. */
async function readOnce(scenario: string, server: NodeProcess, job: Job): Promise<HttpScenarioResult> {
	const cpu = server.cpuUs();
	const r = await run(job, SECONDS);
	const result = { scenario, ...r, connections: CONNECTIONS, seconds: SECONDS, serverCpuUsPerRequest: cpuPer(server, cpu, r.requests) };
	say(scenario, readFigures(result));
	return result;
}

/** A read scenario: warm-up, then one measured run, kept for the summary. */
async function read(scenario: string, server: NodeProcess, job: Job): Promise<HttpScenarioResult> {
	if (WARMUP_SECONDS > 0) await run(job, WARMUP_SECONDS);
	const result = await readOnce(scenario, server, job);
	keep(scenario, readFigures(result));
	return result;
}

const CACHED_GET = "gateway GET /products/{id} (cached)";
const BARE_GET = "bare node:http (own process), same product JSON";

/**
 * The cached read against the bare baseline: RUNS pairs of runs, interleaved (who goes first
 * alternates), each side warmed up once. This VM's speed drifts by a third from one minute to the
 * next, so one run of each gave ratios from 0.5 to 1.2; the summary prints every pair's ratio and
 * their median.
 */
async function cachedReadAgainstBare(shop: Shop, productUrl: string, productJson: unknown): Promise<HttpScenarioResult[]> {
	const bare = await startBareServer(productJson);
	try {
		const gatewayRun = (i: number) => readOnce(`${CACHED_GET}, pair ${i}/${RUNS}`, shop, { url: productUrl });
		const bareRun = (i: number) => readOnce(`${BARE_GET}, pair ${i}/${RUNS}`, bare, { url: bare.url });
		if (WARMUP_SECONDS > 0) {
			await run({ url: productUrl }, WARMUP_SECONDS);
			await run({ url: bare.url }, WARMUP_SECONDS);
		}
		const results: HttpScenarioResult[] = [];
		const ratios: number[] = [];
		for (let i = 1; i <= RUNS; i++) {
			const gatewayFirst = i % 2 === 1;
			const first = await (gatewayFirst ? gatewayRun(i) : bareRun(i));
			const second = await (gatewayFirst ? bareRun(i) : gatewayRun(i));
			const [gateway, baseline] = gatewayFirst ? [first, second] : [second, first];
			const ratio = Number((gateway.requestsPerSecond / baseline.requestsPerSecond).toFixed(2));
			results.push({ ...gateway, scenario: CACHED_GET, pair: i, ratioToBare: ratio }, { ...baseline, scenario: BARE_GET, pair: i });
			ratios.push(ratio);
		}
		const of = (scenario: string, pick: (r: HttpScenarioResult) => number | null) =>
			results
				.filter(r => r.scenario === scenario)
				.map(pick)
				.filter((v): v is number => v !== null);
		summarize(
			"cached GET /products/{id}, gateway / bare node:http",
			`ratio ${spread(ratios, "", 2).trim()} over ${RUNS} interleaved pair${RUNS === 1 ? "" : "s"} (${ratios.join(", ")}); medians ` +
				`req/s ${num(median(of(CACHED_GET, r => r.requestsPerSecond)))} / ${num(median(of(BARE_GET, r => r.requestsPerSecond)))}, ` +
				`p99 ${num(median(of(CACHED_GET, r => r.p99Ms)))} / ${num(median(of(BARE_GET, r => r.p99Ms)))} ms, ` +
				`${num(median(of(CACHED_GET, r => r.serverCpuUsPerRequest)))} / ${num(median(of(BARE_GET, r => r.serverCpuUsPerRequest)))} µs CPU/request`
		);
		return results;
	} finally {
		await bare.stop(5000);
	}
}

export async function benchHttp(): Promise<HttpScenarioResult[]> {
	const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "shop-bench-http-"));
	const shop = await startShop(dataDir);
	const base = shop.base;
	const results: HttpScenarioResult[] = [];
	try {
		const admin = await adminToken(base);
		const products = await createProducts(base, admin, CATALOG, 1_000_000);
		const tokens = await registerCustomers(base, CUSTOMERS, "h");
		const productUrl = `${base}/products/${products[0]}`;
		const productJson = await json(base, "GET", `/products/${products[0]}`);

		if (ONLY.has("get") && ONLY.has("bare")) results.push(...(await cachedReadAgainstBare(shop, productUrl, productJson)));
		else if (ONLY.has("get")) results.push(await read(CACHED_GET, shop, { url: productUrl }));
		else if (ONLY.has("bare")) {
			const bare = await startBareServer(productJson);
			try {
				results.push(await read(BARE_GET, bare, { url: bare.url }));
			} finally {
				await bare.stop(5000);
			}
		}
		if (ONLY.has("signedin")) {
			const r = await read("gateway GET /products/{id} signed in (full pipeline)", shop, {
				url: productUrl,
				tokens: tokens.slice(0, 10)
			});
			results.push(r);
		}
		if (ONLY.has("list")) {
			results.push(await read("gateway GET /products?page=1 (cached)", shop, { url: `${base}/products?page=1` }));
		}
		if (ONLY.has("orders"))
			results.push(
				...(await benchOrderPosts(`gateway POST /orders, closed, ${CONNECTIONS} connections`, shop, admin, products[1], tokens))
			);
		if (ONLY.has("orderrate"))
			for (const rate of ORDER_RATES)
				results.push(...(await benchOrderPosts(`gateway POST /orders at ${rate}/s`, shop, admin, products[2], tokens, rate)));
		return results;
	} finally {
		await shop.stop();
		fs.rmSync(dataDir, { recursive: true, force: true });
	}
}

/**
 * POST /orders by 50 customers in turn, as fast as answered or at a fixed rate: a warm-up, then
 * RUNS measured runs, each followed by a wait until every order it placed ended its checkout.
 * paid/s: orders of the run that reached `paid`, over the run plus the time the checkout was behind.
 */
async function benchOrderPosts(
	scenario: string,
	shop: Shop,
	admin: string,
	productId: string,
	tokens: string[],
	overallRate?: number
): Promise<HttpScenarioResult[]> {
	const job: Job = { url: `${shop.base}/orders`, method: "POST", body: orderBody(productId), tokens, overallRate };
	if (ORDER_WARMUP_SECONDS > 0) {
		const before = await orderCounts(shop.base, admin);
		await run(job, ORDER_WARMUP_SECONDS);
		await waitForCheckout(shop.base, admin, before);
	}
	const runs: HttpScenarioResult[] = [];
	for (let i = 1; i <= RUNS; i++) {
		const before = await orderCounts(shop.base, admin);
		const cpu = shop.cpuUs();
		const started = performance.now();
		const r = await run(job, SECONDS);
		const loadSeconds = (performance.now() - started) / 1000;
		const flow = await waitForCheckout(shop.base, admin, before);
		// The whole checkout of each order (reserve, charge, ship, mails) ran in the shop's process too.
		const serverCpuUsPerOrder = cpuPer(shop, cpu, flow.placed);
		const paidPerSecond = Math.round(flow.paid / (loadSeconds + flow.drainSeconds));
		const result: HttpScenarioResult = {
			scenario,
			run: i,
			...r,
			connections: CONNECTIONS,
			seconds: SECONDS,
			serverCpuUsPerRequest: serverCpuUsPerOrder,
			...(overallRate ? { offeredPerSecond: overallRate } : {}),
			paidPerSecond,
			placed: flow.placed,
			paid: flow.paid,
			cancelled: flow.cancelled,
			drainSeconds: flow.drainSeconds,
			serverCpuUsPerOrder
		};
		runs.push(result);
		say(
			`${scenario}, run ${i}/${RUNS}`,
			`${overallRate ? `${overallRate}/s offered, ` : ""}${num(r.requestsPerSecond)} POST/s answered, p50 ${num(r.p50Ms)} ms, p99 ${num(r.p99Ms)} ms, ` +
				`${num(paidPerSecond)} paid/s (${flow.paid} paid, ${flow.cancelled} cancelled, checkout ${flow.drainSeconds} s behind${flow.drained ? "" : ", NOT drained"}), ` +
				`${num(serverCpuUsPerOrder === null ? null : serverCpuUsPerOrder / 1000, 1)} ms CPU/order, ${r.errors} errors`
		);
	}
	const p99 = `p99 ${spread(
		runs.map(r => r.p99Ms),
		"ms"
	)}`;
	const p50 = `p50 ${RUNS > 1 ? "median " : ""}${num(median(runs.map(r => r.p50Ms)))} ms`;
	const answered = spread(
		runs.map(r => r.requestsPerSecond),
		"POST/s answered"
	);
	const paid = spread(
		runs.map(r => r.paidPerSecond as number),
		"paid/s"
	);
	const errors = `${runs.reduce((n, r) => n + r.errors, 0)} errors`;
	// At a fixed rate the latency is the figure; as fast as answered, the throughput.
	summarize(scenario, (overallRate ? [p99, p50, answered, paid, errors] : [paid, answered, p50, p99, errors]).join("; "));
	return runs;
}

/** bench/results.json: every scenario of the run, with the machine's load when it ran. */
export function writeResults(results: unknown[]): void {
	const file = path.join(__dirname, "results.json");
	const doc = { at: new Date().toISOString(), node: process.version, cpus: os.cpus().length, loadavg: os.loadavg(), results };
	fs.writeFileSync(file, JSON.stringify(doc, null, "\t") + "\n");
	console.log(`results written to ${path.relative(process.cwd(), file)}`);
}

// `node --import tsx bench/http.ts` runs these scenarios alone; to profile the shop meanwhile:
// BENCH_SHOP_NODE_FLAGS="--cpu-prof --cpu-prof-dir=/tmp/prof" (bench/shop-process.ts).
if (require.main === module) {
	const startedMachine = machine();
	void benchHttp().then(
		results => {
			printSummary("bench/http.ts", HTTP_SETTINGS, startedMachine);
			process.exit(results.some(r => r.errors > 0) ? 1 : 0);
		},
		err => {
			console.error(err);
			process.exit(1);
		}
	);
}
