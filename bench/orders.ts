/**
 * Order throughput in the all-in-one topology, through the real gateway on loopback:
 * concurrent customers place orders for one product with limited stock; prints orders per second
 * reaching `paid`, p50/p99 of POST /orders, and checks that nothing was oversold.
 *
 *   npm run bench                       (defaults below)
 *   BENCH_CUSTOMERS=50 BENCH_ORDERS=2000 BENCH_STOCK=1500 npm run bench
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createBroker } from "../lib/broker/create-broker";

const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 25);
const ORDERS = Number(process.env.BENCH_ORDERS ?? 1000);
const STOCK = Number(process.env.BENCH_STOCK ?? 800);
const CARD = { cardNumber: "4242424242424242", expMonth: 12, expYear: new Date().getFullYear() + 2, cvc: "123" };
const ADDRESS = { line1: "1 Bench Street", city: "Berlin", postalCode: "10115", country: "DE" };

function percentile(sorted: number[], p: number): number {
	return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function json(base: string, method: string, url: string, body?: unknown, token?: string) {
	const res = await fetch(base + url, {
		method,
		headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
		body: body === undefined ? undefined : JSON.stringify(body)
	});
	return { status: res.status, body: (await res.json().catch(() => null)) as any };
}

export async function benchOrders(label: string, env: Record<string, string> = {}) {
	const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "shop-bench-"));
	Object.assign(process.env, {
		PORT: "0",
		HOST: "127.0.0.1",
		DATA_DIR: dataDir,
		LOG_LEVEL: "error",
		RATE_LIMIT_MAX: "100000000",
		// Every customer registers from this one address: the gateway's login limit would refuse most.
		RATE_LIMIT_LOGIN_MAX: "100000000",
		JWT_SECRET: "bench-secret",
		ADMIN_EMAIL: "admin@bench.local",
		ADMIN_PASSWORD: "Bench-admin-1",
		...env
	});
	const broker = createBroker();
	await broker.start();
	const port = (broker.getLocalService("api") as unknown as { server: { address(): { port: number } } }).server.address().port;
	const base = `http://127.0.0.1:${port}/api/v1`;
	try {
		const admin = (await json(base, "POST", "/auth/login", { email: "admin@bench.local", password: "Bench-admin-1" })).body.accessToken;
		const product = (
			await json(
				base,
				"POST",
				"/products",
				{ name: "Bench item", description: "", price: 9.99, category: "bench", stock: STOCK },
				admin
			)
		).body;
		await new Promise(r => setTimeout(r, 200));
		const tokens = await Promise.all(
			Array.from({ length: CUSTOMERS }, async (_, i) => {
				const r = await json(base, "POST", "/auth/register", {
					email: `c${i}@bench.local`,
					password: "Customer-pass-1",
					name: `C${i}`
				});
				return r.body.accessToken as string;
			})
		);

		const latencies: number[] = [];
		const orderIds: string[] = [];
		let errors = 0;
		let next = 0;
		const started = performance.now();
		await Promise.all(
			tokens.map(async token => {
				while (next < ORDERS) {
					next++;
					const t0 = performance.now();
					const r = await json(
						base,
						"POST",
						"/orders",
						{ items: [{ productId: product.id, quantity: 1 }], shippingAddress: ADDRESS, payment: CARD },
						token
					);
					latencies.push(performance.now() - t0);
					if (r.status === 201) orderIds.push(r.body.id);
					else errors++;
				}
			})
		);
		const postsDone = performance.now();

		// Wait until every order reached a final state of the checkout flow.
		let paid = 0;
		let cancelled = 0;
		for (;;) {
			const counts = await Promise.all(
				["paid", "cancelled"].map(
					async s => (await json(base, "GET", `/orders?status=${s}&pageSize=1`, undefined, admin)).body.total as number
				)
			);
			[paid, cancelled] = counts;
			if (paid + cancelled >= orderIds.length || performance.now() - postsDone > 120_000) break;
			await new Promise(r => setTimeout(r, 100));
		}
		const flowDone = performance.now();
		const stock = (await json(base, "GET", `/inventory/check?productId=${product.id}&quantity=1`)).body;

		latencies.sort((a, b) => a - b);
		const result = {
			scenario: `orders (${label})`,
			customers: CUSTOMERS,
			orders: orderIds.length,
			httpErrors: errors,
			postsPerSecond: Math.round((orderIds.length / (postsDone - started)) * 1000),
			paidPerSecond: Math.round((paid / (flowDone - started)) * 1000),
			p50Ms: Number(percentile(latencies, 50).toFixed(1)),
			p99Ms: Number(percentile(latencies, 99).toFixed(1)),
			paid,
			cancelledOutOfStock: cancelled,
			stock: STOCK,
			availableAfter: stock.available,
			oversold: paid > STOCK || stock.available < 0 || paid + stock.available !== STOCK
		};
		console.log(JSON.stringify(result));
		return result;
	} finally {
		await broker.stop();
		fs.rmSync(dataDir, { recursive: true, force: true });
	}
}
