/**
 * Order throughput in the all-in-one topology, through the real gateway on loopback, the shop in a
 * process of its own (bench/shop-process.ts): concurrent customers place orders for one product
 * with limited stock; prints orders per second reaching `paid`, p50/p99 of POST /orders, and checks
 * that nothing was oversold. A warm-up first (BENCH_WARMUP_SECONDS, 5): the same customers order
 * another product for that long, and the measured run starts once those orders ended their checkout.
 *
 *   npm run bench                       (defaults below)
 *   BENCH_CUSTOMERS=50 BENCH_ORDERS=2000 BENCH_STOCK=1500 npm run bench
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { percentile } from "./load-at-rate";
import { num, summarize } from "./report";
import { ADDRESS, adminToken, CARD, call, createProducts, json, orderCounts, registerCustomers, waitForCheckout } from "./shop-client";
import { startShop } from "./shop-process";

const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 25);
const ORDERS = Number(process.env.BENCH_ORDERS ?? 1000);
const STOCK = Number(process.env.BENCH_STOCK ?? 800);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 5);

/** Each customer places an order when its last one was answered, until `count` orders or `untilMs`. */
async function placeOrders(base: string, tokens: string[], productId: string, limit: { count?: number; untilMs?: number }) {
	const latencies: number[] = [];
	const orderIds: string[] = [];
	let errors = 0;
	let next = 0;
	const more = () => (limit.count !== undefined ? next < limit.count : performance.now() < limit.untilMs!);
	await Promise.all(
		tokens.map(async token => {
			while (more()) {
				next++;
				const t0 = performance.now();
				const r = await call(
					base,
					"POST",
					"/orders",
					{ items: [{ productId, quantity: 1 }], shippingAddress: ADDRESS, payment: CARD },
					token
				);
				latencies.push(performance.now() - t0);
				if (r.status === 201) orderIds.push(r.body.id);
				else errors++;
			}
		})
	);
	return { latencies: latencies.sort((a, b) => a - b), orderIds, errors };
}

export async function benchOrders(label: string, env: Record<string, string> = {}) {
	const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "shop-bench-"));
	const shop = await startShop(dataDir, env);
	const base = shop.base;
	try {
		const admin = await adminToken(base);
		const [product] = await createProducts(base, admin, 1, STOCK, "ORDERS");
		const [warmupProduct] = await createProducts(base, admin, 1, 1_000_000, "WARMUP");
		const tokens = await registerCustomers(base, CUSTOMERS, "c");

		if (WARMUP_SECONDS > 0) {
			const before = await orderCounts(base, admin);
			await placeOrders(base, tokens, warmupProduct, { untilMs: performance.now() + WARMUP_SECONDS * 1000 });
			await waitForCheckout(base, admin, before);
		}

		const before = await orderCounts(base, admin);
		const started = performance.now();
		const { latencies, orderIds, errors } = await placeOrders(base, tokens, product, { count: ORDERS });
		const postsDone = performance.now();
		// Wait until every order reached a final state of the checkout flow.
		const flow = await waitForCheckout(base, admin, before);
		const flowDone = performance.now();
		const stock = await json(base, "GET", `/inventory/check?productId=${product}&quantity=1`);

		const result = {
			scenario: `orders (${label})`,
			customers: CUSTOMERS,
			orders: orderIds.length,
			httpErrors: errors,
			postsPerSecond: Math.round((orderIds.length / (postsDone - started)) * 1000),
			paidPerSecond: Math.round((flow.paid / (flowDone - started)) * 1000),
			p50Ms: Number(percentile(latencies, 50).toFixed(1)),
			p99Ms: Number(percentile(latencies, 99).toFixed(1)),
			paid: flow.paid,
			cancelledOutOfStock: flow.cancelled,
			stock: STOCK,
			availableAfter: stock.available as number,
			oversold: flow.paid > STOCK || stock.available < 0 || flow.paid + stock.available !== STOCK
		};
		summarize(
			result.scenario,
			`${num(result.paidPerSecond)} paid/s, ${num(result.postsPerSecond)} POST/s, p50 ${num(result.p50Ms)} ms, p99 ${num(result.p99Ms)} ms ` +
				`(${CUSTOMERS} customers, ${ORDERS} orders, stock ${STOCK}: ${flow.paid} paid, ${flow.cancelled} cancelled, available ${result.availableAfter}, ` +
				`${result.oversold ? "OVERSOLD" : "not oversold"}), ${errors} errors`
		);
		return result;
	} finally {
		await shop.stop();
		fs.rmSync(dataDir, { recursive: true, force: true });
	}
}
