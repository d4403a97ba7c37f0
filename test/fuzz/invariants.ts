/**
 * What must hold once the fuzzing stops, read through the app's own admin routes: every order gets
 * to a state it may rest in, and each stock item's numbers add up against the orders that hold
 * units, with the stock audit finding nothing to repair.
 */
import type { Client } from "../helpers/http";
import { sleep } from "../orders/support";

/** Where an order may rest: cancelled and delivered end; paid waits for the shop to ship, shipped for the carrier. */
export const RESTING_STATUSES = ["paid", "shipped", "delivered", "cancelled"];

/** Orders whose reservation is live: reserved units of an item are exactly their lines. */
export const HOLDING_STATUSES = ["pending", "confirmed", "paid"];

interface OrderLine {
	productId: string;
	quantity: number;
}
export interface OrderView {
	id: string;
	status: string;
	items: OrderLine[];
}
export interface StockItem {
	productId: string;
	onHand: number;
	reserved: number;
	available: number;
}

/** Every item of a paged admin list. */
export async function listAll<T>(api: Client, token: string, path: string): Promise<T[]> {
	const out: T[] = [];
	for (let page = 1; ; page++) {
		const r = await api.get(`${path}${path.includes("?") ? "&" : "?"}page=${page}&pageSize=100`, { token });
		if (r.status !== 200) throw new Error(`GET ${path}: ${r.status} ${JSON.stringify(r.body)}`);
		out.push(...r.body.items);
		if (r.body.items.length < 100) return out;
	}
}

/** Waits until no order is on its way; the ones still moving when time is up. */
export async function unsettledOrders(api: Client, token: string, timeoutMs: number): Promise<OrderView[]> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const moving = (await listAll<OrderView>(api, token, "/api/v1/orders")).filter(o => !RESTING_STATUSES.includes(o.status));
		if (moving.length === 0 || Date.now() > deadline) return moving;
		await sleep(500);
	}
}

/** Each broken rule of the stock numbers, as a sentence naming the product. */
export function stockProblems(items: StockItem[], orders: OrderView[]): string[] {
	const held = new Map<string, number>();
	for (const o of orders)
		if (HOLDING_STATUSES.includes(o.status)) for (const l of o.items) held.set(l.productId, (held.get(l.productId) ?? 0) + l.quantity);
	const problems: string[] = [];
	for (const i of items) {
		const facts = `onHand ${i.onHand}, reserved ${i.reserved}, available ${i.available}`;
		if (!Number.isInteger(i.onHand) || i.onHand < 0) problems.push(`${i.productId}: onHand is not a count (${facts})`);
		if (!Number.isInteger(i.reserved) || i.reserved < 0) problems.push(`${i.productId}: reserved is not a count (${facts})`);
		if (i.available !== i.onHand - i.reserved) problems.push(`${i.productId}: available is not onHand - reserved (${facts})`);
		const expected = held.get(i.productId) ?? 0;
		if (i.reserved !== expected) problems.push(`${i.productId}: reserved ${i.reserved}, but live orders hold ${expected} (${facts})`);
	}
	return problems;
}
