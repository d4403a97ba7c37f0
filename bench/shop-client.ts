/**
 * What the benchmarks ask of the shop over its HTTP API: the admin's token, a catalog, customers,
 * and how many orders ended their checkout (paid or cancelled), counted by the orders list.
 */
import { ADMIN } from "./shop-process";

export const CARD = { cardNumber: "4242424242424242", expMonth: 12, expYear: new Date().getFullYear() + 2, cvc: "123" };
export const ADDRESS = { line1: "1 Bench Street", city: "Berlin", postalCode: "10115", country: "DE" };

/** One request; answers the status and the parsed body (null when not JSON). */
export async function call(
	base: string,
	method: string,
	url: string,
	body?: unknown,
	token?: string
): Promise<{ status: number; body: any }> {
	const res = await fetch(base + url, {
		method,
		headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
		body: body === undefined ? undefined : JSON.stringify(body),
		signal: AbortSignal.timeout(120_000)
	});
	return { status: res.status, body: await res.json().catch(() => null) };
}

/** One request that must succeed; answers the parsed body. */
export async function json(base: string, method: string, url: string, body?: unknown, token?: string): Promise<any> {
	const r = await call(base, method, url, body, token);
	if (r.status >= 400) throw new Error(`${method} ${url} answered ${r.status}: ${JSON.stringify(r.body)}`);
	return r.body;
}

export async function adminToken(base: string): Promise<string> {
	return (await json(base, "POST", "/auth/login", ADMIN)).accessToken as string;
}

/** `count` products with `stock` each; answers their ids in order. */
export async function createProducts(base: string, admin: string, count: number, stock: number, prefix = "BENCH"): Promise<string[]> {
	const ids: string[] = [];
	for (let i = 0; i < count; i++)
		ids.push(
			(
				await json(
					base,
					"POST",
					"/products",
					{
						name: `Bench item ${prefix}-${i}`,
						description: `A product of the benchmark catalog, number ${i}, with a description of ordinary length.`,
						price: Number((9.99 + i).toFixed(2)),
						category: `bench-${i % 4}`,
						sku: `${prefix}-${i}`,
						images: [`https://img.example/bench/${i}.jpg`],
						stock
					},
					admin
				)
			).id as string
		);
	return ids;
}

/** Registers `count` customers (emails `<prefix><i>@bench.local`); answers their access tokens. */
export function registerCustomers(base: string, count: number, prefix: string): Promise<string[]> {
	return Promise.all(
		Array.from(
			{ length: count },
			async (_, i) =>
				(
					await json(base, "POST", "/auth/register", {
						email: `${prefix}${i}@bench.local`,
						password: "Customer-pass-1",
						name: `${prefix}${i}`
					})
				).accessToken as string
		)
	);
}

export function orderBody(productId: string): string {
	return JSON.stringify({ items: [{ productId, quantity: 1 }], shippingAddress: ADDRESS, payment: CARD });
}

export interface OrderCounts {
	all: number;
	paid: number;
	cancelled: number;
}

/** Orders placed so far, and those that ended their checkout: paid or cancelled. */
export async function orderCounts(base: string, admin: string): Promise<OrderCounts> {
	const [all, paid, cancelled] = await Promise.all(
		["", "&status=paid", "&status=cancelled"].map(
			async q => (await json(base, "GET", `/orders?pageSize=1${q}`, undefined, admin)).total as number
		)
	);
	return { all, paid, cancelled };
}

/**
 * Waits until every order placed since `before` ended its checkout (or timeoutMs passed); answers
 * how many of them were paid and cancelled and how long the checkout was behind the requests.
 */
export async function waitForCheckout(base: string, admin: string, before: OrderCounts, timeoutMs = 120_000) {
	const started = performance.now();
	for (;;) {
		const now = await orderCounts(base, admin);
		const placed = now.all - before.all;
		const paid = now.paid - before.paid;
		const cancelled = now.cancelled - before.cancelled;
		const done = paid + cancelled >= placed;
		if (done || performance.now() - started > timeoutMs)
			return {
				placed,
				paid,
				cancelled,
				drained: done,
				drainSeconds: Number(((performance.now() - started) / 1000).toFixed(1)),
				at: now
			};
		await new Promise(r => setTimeout(r, 250));
	}
}

/** The shop's event-loop checks so far that came that late (lib/broker/event-loop-delay.middleware.ts). */
export interface LoopDelayCounts {
	over100ms: number;
	over1s: number;
}

/** The shop's V8 heap and event-loop checks from its /metrics; null for what it does not export. */
export async function shopFigures(
	base: string
): Promise<{ heap: { usedBytes: number; totalBytes: number } | null; loop: LoopDelayCounts | null }> {
	const res = await fetch(`${base}/metrics`, { signal: AbortSignal.timeout(30_000) }).catch(() => null);
	if (!res || res.status !== 200) return { heap: null, loop: null };
	const text = await res.text();
	/** A sample's value; `label` (`le="0.1"`) picks one among the metric's label sets. */
	const gauge = (name: string, label?: string) => {
		const labels = label ? `\\{[^}]*${label}[^}]*\\}` : "(?:\\{[^}]*\\})?";
		const m = new RegExp(`^${name}${labels} (\\d+(?:\\.\\d+)?(?:e\\+?\\d+)?)$`, "m").exec(text);
		return m ? Number(m[1]) : null;
	};
	const usedBytes = gauge("process_memory_heap_size_used");
	const totalBytes = gauge("process_memory_heap_size_total");
	const checks = gauge("shop_eventloop_delay_seconds_count");
	const upTo = (le: string) => gauge("shop_eventloop_delay_seconds_bucket", `le="${le}"`);
	const [upTo100ms, upTo1s] = [upTo("0.1"), upTo("1")];
	return {
		heap: usedBytes === null || totalBytes === null ? null : { usedBytes, totalBytes },
		loop: checks === null || upTo100ms === null || upTo1s === null ? null : { over100ms: checks - upTo100ms, over1s: checks - upTo1s }
	};
}
