/**
 * Test traffic for node-failure tests: a customer's orders and an admin's reads through the
 * gateway, sent in loops while nodes die, with every answer recorded (status, time taken, when).
 */
import type { Client, HttpResult } from "./http";
import { waitFor } from "./processes";

export const CARD = { cardNumber: "4242424242424242", expMonth: 12, expYear: new Date().getFullYear() + 2, cvc: "123" };
export const ADDRESS = { line1: "1 Main St", city: "Berlin", postalCode: "10115", country: "DE" };

export interface Answer {
	what: string;
	status: number;
	/** Milliseconds from sending the request to its answer. */
	ms: number;
	/** Date.now() when it was sent. */
	sentAt: number;
	body: unknown;
}

/** Loops not stopped yet: a test that fails half-way leaves them to stopLoops() in its afterAll. */
const unstopped = new Set<{ stop(): Promise<Answer[]> }>();

export async function stopLoops(): Promise<void> {
	await Promise.all([...unstopped].map(l => l.stop()));
}

/** Runs `concurrency` loops of `send` until stopped; `stop()` waits for the requests in flight. */
export function loop(what: string, send: () => Promise<HttpResult>, concurrency = 1, pauseMs = 20) {
	const answers: Answer[] = [];
	let running = true;
	const worker = async () => {
		while (running) {
			const sentAt = Date.now();
			let status = 0;
			let body: unknown;
			try {
				const r = await send();
				status = r.status;
				body = r.body;
			} catch (err) {
				body = (err as Error).message;
			}
			answers.push({ what, status, ms: Date.now() - sentAt, sentAt, body });
			await new Promise(r => setTimeout(r, pauseMs));
		}
	};
	const workers = Array.from({ length: concurrency }, worker);
	const handle = {
		answers,
		async stop(): Promise<Answer[]> {
			running = false;
			unstopped.delete(handle);
			await Promise.all(workers);
			return answers;
		}
	};
	unstopped.add(handle);
	return handle;
}

/** The services of the nodes the gateway sees as available. */
export async function liveServices(api: Client): Promise<string[]> {
	const nodes = ((await api.get("/api/v1/health")).body?.nodes ?? []) as Array<{ available: boolean; services: string[] }>;
	return nodes.filter(n => n.available).flatMap(n => n.services);
}

export async function adminToken(api: Client, email: string, password: string): Promise<string> {
	const r = await waitFor("admin login", async () => {
		const res = await api.post("/api/v1/auth/login", { email, password });
		return res.status === 200 ? res : null;
	});
	return r.body.accessToken;
}

export async function customerToken(api: Client, email: string): Promise<string> {
	const r = await api.post("/api/v1/auth/register", { email, password: "Buyer-pass-1", name: "Buyer" });
	if (r.status !== 201) throw new Error(`register answered ${r.status}: ${JSON.stringify(r.body)}`);
	return r.body.accessToken;
}

/** A product with `stock` units, once inventory has its stock record. Answers its id. */
export async function stockedProduct(api: Client, admin: string, stock: number): Promise<string> {
	const r = await api.post(
		"/api/v1/products",
		{ name: "Chaos lamp", description: "", price: 5, category: "test", stock },
		{ token: admin }
	);
	if (r.status !== 201) throw new Error(`product create answered ${r.status}: ${JSON.stringify(r.body)}`);
	await waitFor(
		"the product's stock record",
		async () => (await api.get(`/api/v1/inventory/check?productId=${r.body.id}&quantity=1`, { token: admin })).body?.available === stock
	);
	return r.body.id;
}

export const orderOf = (productId: string, quantity = 1) => ({
	items: [{ productId, quantity }],
	shippingAddress: ADDRESS,
	payment: CARD
});

/** Every status seen, with how many answers had it, e.g. { "200": 40, "503": 3 }. */
export function statusCounts(answers: Answer[]): Record<string, number> {
	const counts: Record<string, number> = {};
	for (const a of answers) counts[a.status] = (counts[a.status] ?? 0) + 1;
	return counts;
}
