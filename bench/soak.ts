/**
 * `npm run bench:soak`: what a long run does to the shop. Starts the all-in-one shop in a process
 * of its own on a fresh DATA_DIR (or BENCH_DATA_DIR, kept afterwards), creates products (with
 * stock for every order) and customers, warms up, then places BENCH_SOAK_ORDERS orders through the
 * gateway at a steady BENCH_SOAK_RATE per second (an open load, bench/load-at-rate.ts). After
 * every 10 % of the orders it prints the shop's RSS, its peak so far (what "RSS throughout" means:
 * the kernel's high-water mark, between the slices too) and its anonymous, file and shared parts
 * (/proc/<pid>/status), its V8 heap (GET
 * /metrics), the data directory's size on disk, p50/p99 of that slice's POSTs, how many checks of
 * the shop's event loop came more than 100 ms and 1 s late during them (GET /metrics,
 * shop_eventloop_delay_seconds), and the orders that reached `paid` per second over the slice.
 * At the end: waits for the checkout, stops the shop (SIGTERM, time until it exited), starts it
 * again on the same data (time until GET /health/ready answered 200), checks that every order is
 * still there, and prints a table.
 *
 *   npm run bench:soak                                    (200,000 orders at 400/s: about 9 minutes)
 *   BENCH_SOAK_ORDERS=1000000 npm run bench:soak          (about 42 minutes)
 *   BENCH_SOAK_ORDERS=3000 BENCH_WARMUP_SECONDS=2 npm run bench:soak   (a quick check)
 *
 * BENCH_SOAK_RATE (400), BENCH_SOAK_PRODUCTS (20), BENCH_SOAK_CUSTOMERS (50), BENCH_CONNECTIONS
 * (50), BENCH_WARMUP_SECONDS (5), BENCH_LOG_LEVEL (error). Loopback only; every wait is bounded.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { percentile, runAtRate } from "./load-at-rate";
import { diskUsageBytes, type ProcMemory } from "./processes";
import { machine, markdownTable, mib, num, printSummary, say } from "./report";
import {
	adminToken,
	createProducts,
	orderBody,
	orderCounts,
	registerCustomers,
	shopFigures,
	waitForCheckout,
	type LoopDelayCounts
} from "./shop-client";
import { startShop, type Shop } from "./shop-process";

const ORDERS = Number(process.env.BENCH_SOAK_ORDERS ?? 200_000);
const RATE = Number(process.env.BENCH_SOAK_RATE ?? 400);
const PRODUCTS = Number(process.env.BENCH_SOAK_PRODUCTS ?? 20);
const CUSTOMERS = Number(process.env.BENCH_SOAK_CUSTOMERS ?? 50);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 5);
const SLICES = 10;
/**
 * The customers and the admin sign in once and keep their access tokens for the whole soak: a
 * million orders take about 42 minutes, and the default token lifetime (15 min) ended the first
 * such run with 401s.
 */
const SOAK_ENV = { JWT_ACCESS_TTL: "1d" };

/** A POST unanswered this long counts as an error: a stalled shop cannot hold the soak forever. */
const REQUEST_TIMEOUT_MS = 30_000;
/** Longest wait for the checkout to catch up at the end. */
const DRAIN_TIMEOUT_MS = 600_000;

interface Slice {
	orders: number;
	/** Since the first measured order was due. */
	elapsedSeconds: number;
	memory: ProcMemory | null;
	heap: { usedBytes: number; totalBytes: number } | null;
	/** The shop's event-loop checks in the slice that came more than 100 ms and 1 s late. */
	loop: LoopDelayCounts | null;
	diskBytes: number;
	p50Ms: number;
	p99Ms: number;
	answeredPerSecond: number;
	paidPerSecond: number;
	errors: number;
	statusCodes: Record<string, number>;
}

/** "N over 100 ms, M over 1 s": the checks of the shop's event loop that came that late. */
function loopLate(loop: Slice["loop"]): string {
	return loop ? `${num(loop.over100ms)} over 100 ms, ${num(loop.over1s)} over 1 s` : "n/a (not in /metrics)";
}

/** "250.1 MiB (peak 260.3 MiB; anon 200.0, file 40.0, shmem 10.1 MiB)" */
function rss(m: ProcMemory | null): string {
	if (!m) return "n/a (no /proc)";
	const part = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
	return `${mib(m.rssBytes)} (peak ${mib(m.peakRssBytes)}; anon ${part(m.anonBytes)}, file ${part(m.fileBytes)}, shmem ${part(m.shmemBytes)} MiB)`;
}

function sliceLine(s: Slice): string {
	const heap = s.heap ? `heap ${mib(s.heap.usedBytes)} used of ${mib(s.heap.totalBytes)}` : "heap n/a (not in /metrics)";
	return (
		`RSS ${rss(s.memory)}, ${heap}, data ${mib(s.diskBytes)} on disk, POST p50 ${num(s.p50Ms)} ms / p99 ${num(s.p99Ms)} ms, ` +
		`event loop late ${loopLate(s.loop)}, ` +
		`${num(s.answeredPerSecond)} POST/s answered, ${num(s.paidPerSecond)} paid/s, ${s.errors} errors` +
		(s.errors ? ` ${JSON.stringify(s.statusCodes)}` : "")
	);
}

async function soak(shop: Shop, dataDir: string) {
	const base = shop.base;
	const run = Date.now().toString(36);
	const admin = await adminToken(base);
	const warmupOrders = Math.round(WARMUP_SECONDS * RATE);
	// Every product can take every order of the run, and then some.
	const stock = Math.ceil(((ORDERS + warmupOrders) / PRODUCTS) * 1.1) + 100;
	const products = await createProducts(base, admin, PRODUCTS, stock, `SOAK-${run}`);
	const tokens = await registerCustomers(base, CUSTOMERS, `soak-${run}-`);
	const job = (count: number) => ({
		url: `${base}/orders`,
		method: "POST" as const,
		bodies: products.map(orderBody),
		headers: { "content-type": "application/json" },
		tokens,
		connections: CONNECTIONS,
		rate: RATE,
		seconds: count / RATE,
		timeoutMs: REQUEST_TIMEOUT_MS
	});
	say(
		"soak",
		`${num(ORDERS)} orders at ${num(RATE)}/s over ${CONNECTIONS} connections, ${PRODUCTS} products (stock ${num(stock)} each), ${CUSTOMERS} customers`
	);

	const start = await orderCounts(base, admin);
	if (warmupOrders > 0) {
		const w = await runAtRate(job(warmupOrders));
		const flow = await waitForCheckout(base, admin, start);
		say(
			"warm-up",
			`${num(warmupOrders)} orders in ${WARMUP_SECONDS} s, p99 ${num(percentile(w.latenciesMs, 99))} ms, checkout ${flow.drainSeconds} s behind`
		);
	}

	const slices: Slice[] = [];
	let counts = await orderCounts(base, admin);
	const beforeSlices = counts;
	const first = performance.now();
	let at = first;
	let placed = 0;
	for (let i = 1; i <= SLICES; i++) {
		const count = Math.round((ORDERS * i) / SLICES) - placed;
		// The shop's event-loop checks over the slice's POSTs alone, not the totals read between slices.
		const loopBefore: LoopDelayCounts | null = (await shopFigures(base)).loop;
		const r = await runAtRate(job(count));
		placed += count;
		const figures = await shopFigures(base);
		const now = await orderCounts(base, admin);
		const seconds = (performance.now() - at) / 1000;
		at = performance.now();
		const loop =
			figures.loop && loopBefore
				? { over100ms: figures.loop.over100ms - loopBefore.over100ms, over1s: figures.loop.over1s - loopBefore.over1s }
				: null;
		const slice: Slice = {
			orders: placed,
			elapsedSeconds: Math.round((at - first) / 1000),
			memory: shop.memory(),
			heap: figures.heap,
			loop,
			diskBytes: diskUsageBytes(dataDir),
			p50Ms: percentile(r.latenciesMs, 50),
			p99Ms: percentile(r.latenciesMs, 99),
			answeredPerSecond: Math.round(r.latenciesMs.length / r.seconds),
			paidPerSecond: Math.round((now.paid - counts.paid) / seconds),
			errors: r.errors,
			statusCodes: r.statusCodes
		};
		counts = now;
		slices.push(slice);
		say(`${num(placed)} orders (${i * 10} %, ${num(slice.elapsedSeconds)} s)`, sliceLine(slice));
		if (r.errors > count / 2)
			throw new Error(`more than half of the slice's POSTs failed: ${JSON.stringify(r.statusCodes)}; soak stopped`);
	}
	const flow = await waitForCheckout(base, admin, beforeSlices, DRAIN_TIMEOUT_MS);
	say(
		"checkout",
		`${num(flow.placed)} placed, ${num(flow.paid)} paid, ${num(flow.cancelled)} cancelled, ${flow.drained ? `caught up ${flow.drainSeconds} s after the last POST` : `NOT caught up after ${flow.drainSeconds} s`}`
	);
	return { slices, flow, ordersStored: flow.at.all };
}

async function main() {
	const startedMachine = machine();
	const given = process.env.BENCH_DATA_DIR;
	const dataDir = given ? path.resolve(given) : fs.mkdtempSync(path.join(os.tmpdir(), "shop-soak-"));
	fs.mkdirSync(dataDir, { recursive: true });
	say("soak", `DATA_DIR ${dataDir}${given ? " (kept)" : " (temporary)"}; ${startedMachine}`);
	let shop: Shop | null = await startShop(dataDir, SOAK_ENV);
	say("start (empty data)", `ready after ${num(shop.readyMs)} ms`);
	try {
		const { slices, flow, ordersStored } = await soak(shop, dataDir);

		const memoryBeforeStop = shop.memory();
		const stopped = await shop.stop();
		shop = null;
		const diskAfterStop = diskUsageBytes(dataDir);
		say("stop (SIGTERM)", `exited (${stopped.exit}) after ${num(stopped.stopMs)} ms; data ${mib(diskAfterStop)} on disk`);
		shop = await startShop(dataDir, SOAK_ENV);
		const restartReadyMs = shop.readyMs;
		const admin = await adminToken(shop.base);
		const after = await orderCounts(shop.base, admin);
		const rssAfterRestart = shop.memory()?.rssBytes ?? null;
		say(
			"restart on the same data",
			`ready after ${num(restartReadyMs)} ms; RSS ${mib(rssAfterRestart)}; ${num(after.all)} orders stored, warm-up's included (${after.all === ordersStored ? "all kept" : `${num(ordersStored)} before the stop: LOST ${num(ordersStored - after.all)}`})`
		);
		const restopped = await shop.stop();
		shop = null;

		const table = markdownTable(
			[
				"orders",
				"elapsed",
				"RSS (peak so far)",
				"heap used / total",
				"data on disk",
				"POST p50",
				"POST p99",
				"loop late >0.1 / >1 s",
				"POST/s",
				"paid/s",
				"errors"
			],
			slices.map(s => [
				num(s.orders),
				`${num(s.elapsedSeconds)} s`,
				s.memory ? `${mib(s.memory.rssBytes)} (${mib(s.memory.peakRssBytes)})` : "n/a",
				s.heap ? `${mib(s.heap.usedBytes)} / ${mib(s.heap.totalBytes)}` : "n/a",
				mib(s.diskBytes),
				`${num(s.p50Ms)} ms`,
				`${num(s.p99Ms)} ms`,
				s.loop ? `${num(s.loop.over100ms)} / ${num(s.loop.over1s)}` : "n/a",
				num(s.answeredPerSecond),
				num(s.paidPerSecond),
				num(s.errors)
			])
		);
		const errors = slices.reduce((n, s) => n + s.errors, 0);
		printSummary(
			"npm run bench:soak",
			`${num(ORDERS)} orders at ${num(RATE)}/s, ${CONNECTIONS} connections, ${PRODUCTS} products, ${CUSTOMERS} customers, ${WARMUP_SECONDS} s warm-up`,
			startedMachine,
			[
				...table,
				"",
				`Checkout: ${num(flow.paid)} paid, ${num(flow.cancelled)} cancelled of ${num(flow.placed)} placed, ${errors} POST errors; ` +
					`${flow.drained ? `caught up ${flow.drainSeconds} s after the last POST` : `NOT caught up after ${flow.drainSeconds} s`}.`,
				`Stop (SIGTERM): ${num(stopped.stopMs)} ms at RSS ${rss(memoryBeforeStop)}. Restart on the same data (${mib(diskAfterStop)}): ` +
					`ready after ${num(restartReadyMs)} ms, RSS ${mib(rssAfterRestart)}, ${after.all === ordersStored ? "every order kept" : "ORDERS LOST"}; stopped again in ${num(restopped.stopMs)} ms.`
			]
		);
	} finally {
		if (shop) await shop.stop();
		if (!given) fs.rmSync(dataDir, { recursive: true, force: true });
	}
}

void main().then(
	() => process.exit(0),
	err => {
		console.error(err);
		process.exit(1);
	}
);
