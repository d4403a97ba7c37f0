/**
 * What must hold after any crash, read through the public API as an admin once the system is up
 * again: every order reaches an end (paid, or cancelled with a reason: no test ships anything), each
 * step applied once, stock arithmetic adds up, nothing charged twice.
 */
import type { Client } from "../helpers/http";
import { waitFor } from "../helpers/processes";

interface Order {
	id: string;
	status: string;
	cancelReason?: string;
	items: Array<{ productId: string; quantity: number }>;
	statusHistory: Array<{ status: string }>;
}

interface Movement {
	type: string;
	quantity: number;
	orderId?: string;
}

/**
 * Every page of a paged admin list. A 503 (no live node of the service just now: a restarted node
 * not yet known to the gateway) is asked again for a while, as a client told to try again would.
 */
async function all<T>(api: Client, admin: string, path: string): Promise<T[]> {
	const items: T[] = [];
	for (let page = 1; ; page++) {
		const sep = path.includes("?") ? "&" : "?";
		let r = await api.get(`${path}${sep}page=${page}&pageSize=100`, { token: admin });
		for (let tries = 0; r.status === 503 && tries < 20; tries++) {
			await new Promise(resolve => setTimeout(resolve, 500));
			r = await api.get(`${path}${sep}page=${page}&pageSize=100`, { token: admin });
		}
		if (r.status !== 200) throw new Error(`GET ${path} answered ${r.status}: ${JSON.stringify(r.body)}`);
		items.push(...r.body.items);
		if (r.body.items.length < 100) return items;
	}
}

const FINAL = ["paid", "cancelled"];
/** The status histories of an order that ends without anyone shipping it. */
const HISTORIES = ["pending,confirmed,paid", "pending,cancelled", "pending,confirmed,cancelled"];

/**
 * Waits until every order the system holds is paid or cancelled (and each order that was answered
 * 201 is among them), then answers them all.
 */
export async function settledOrders(api: Client, admin: string, accepted: string[], timeoutMs = 60_000): Promise<Order[]> {
	let last: Order[] = [];
	try {
		return await waitFor(
			"every order to be paid or cancelled",
			async () => {
				last = await all<Order>(api, admin, "/api/v1/orders");
				return last.every(o => FINAL.includes(o.status)) ? last : null;
			},
			timeoutMs,
			500
		);
	} catch (err) {
		const open = last.filter(o => !FINAL.includes(o.status)).map(o => `${o.id}: ${o.status}`);
		const missing = accepted.filter(id => !last.some(o => o.id === id));
		throw new Error(`${(err as Error).message}\nnot settled: ${open.join(", ")}\naccepted (201) but missing: ${missing.join(", ")}`);
	}
}

export interface InvariantReport {
	/** Orders answered 201 that the system does not have. */
	lostOrders: string[];
	/** Orders whose status history is not one of the allowed sequences, or a cancellation without a reason. */
	badHistories: string[];
	/** Paid orders without exactly one succeeded payment; cancelled orders with a succeeded one; any order with two. */
	badPayments: string[];
	/** Paid orders without exactly one shipment, cancelled ones with any (only when shipping runs). */
	badShipments: string[];
	/** Per product: what its stock record says against what the orders say. */
	stock: Array<{ productId: string; onHand: number; reserved: number; heldByPaidOrders: number; movementsNet: number }>;
	/**
	 * Orders whose reserve and release movements on an item do not net to what the order holds (its
	 * quantity when paid, nothing when cancelled): a reservation applied twice, or given back twice.
	 * A reservation taken over after a crash may be given back and run again: that nets out.
	 */
	unbalancedReservations: string[];
	/** The same mail (template) about the same order sent more than once. */
	repeatedNotifications: string[];
	/** What a stock audit run now finds to repair. */
	audit: { repairedItems: number; releasedUnits: number; shortItems: number };
}

export async function checkInvariants(
	api: Client,
	admin: string,
	accepted: string[],
	products: Array<{ id: string; stock: number }>,
	opts: { shipping: boolean; notifications: boolean }
): Promise<InvariantReport> {
	const orders = await settledOrders(api, admin, accepted);
	const byId = new Map(orders.map(o => [o.id, o]));
	const payments = await all<{ orderId: string; status: string }>(api, admin, "/api/v1/payments");
	const shipments = opts.shipping ? await all<{ orderId: string }>(api, admin, "/api/v1/shipments") : [];

	const report: InvariantReport = {
		lostOrders: accepted.filter(id => !byId.has(id)),
		badHistories: [],
		badPayments: [],
		badShipments: [],
		stock: [],
		unbalancedReservations: [],
		repeatedNotifications: [],
		audit: { repairedItems: 0, releasedUnits: 0, shortItems: 0 }
	};
	for (const o of orders) {
		const history = o.statusHistory.map(h => h.status).join(",");
		if (!HISTORIES.includes(history) || (o.status === "cancelled" && !o.cancelReason)) report.badHistories.push(`${o.id}: ${history}`);
		const succeeded = payments.filter(p => p.orderId === o.id && p.status === "succeeded").length;
		const charged = payments.filter(p => p.orderId === o.id && ["succeeded", "refunded"].includes(p.status)).length;
		if (charged > 1 || succeeded !== (o.status === "paid" ? 1 : 0))
			report.badPayments.push(`${o.id} (${o.status}): ${succeeded} succeeded, ${charged} charged`);
		const shipped = shipments.filter(s => s.orderId === o.id).length;
		if (opts.shipping && shipped !== (o.status === "paid" ? 1 : 0))
			report.badShipments.push(`${o.id} (${o.status}): ${shipped} shipments`);
	}

	const items = await all<{ id: string; productId: string; onHand: number; reserved: number }>(api, admin, "/api/v1/inventory");
	for (const p of products) {
		const item = items.find(i => i.productId === p.id);
		if (!item) throw new Error(`No stock record for product ${p.id}`);
		const movements = await all<Movement>(api, admin, `/api/v1/inventory/${item.id}/history`);
		const net = movements.reduce((sum, m) => sum + (m.type === "reserve" ? m.quantity : m.type === "release" ? -m.quantity : 0), 0);
		const netByOrder = new Map<string, number>();
		for (const m of movements) {
			if (!m.orderId || (m.type !== "reserve" && m.type !== "release")) continue;
			netByOrder.set(m.orderId, (netByOrder.get(m.orderId) ?? 0) + (m.type === "reserve" ? m.quantity : -m.quantity));
		}
		for (const o of orders) {
			const holds = o.status === "paid" ? o.items.filter(l => l.productId === p.id).reduce((sum, l) => sum + l.quantity, 0) : 0;
			const net = netByOrder.get(o.id) ?? 0;
			if (net !== holds) report.unbalancedReservations.push(`${o.id} (${o.status}) on ${p.id}: net ${net}, holds ${holds}`);
		}
		const held = orders
			.filter(o => o.status === "paid")
			.flatMap(o => o.items)
			.filter(line => line.productId === p.id)
			.reduce((sum, line) => sum + line.quantity, 0);
		report.stock.push({ productId: p.id, onHand: item.onHand, reserved: item.reserved, heldByPaidOrders: held, movementsNet: net });
	}

	if (opts.notifications) {
		const mails = await all<{ template: string; relatedId: string | null }>(api, admin, "/api/v1/notifications");
		const seen = new Map<string, number>();
		// Orders only: a low-stock alert may rightly come again after units came back.
		for (const m of mails) {
			const key = `${m.template} ${m.relatedId}`;
			if (m.relatedId && byId.has(m.relatedId)) seen.set(key, (seen.get(key) ?? 0) + 1);
		}
		for (const [key, n] of seen) if (n > 1) report.repeatedNotifications.push(`${key} x${n}`);
	}

	const audit = await api.post("/api/v1/inventory/audit", {}, { token: admin });
	if (audit.status !== 200) throw new Error(`The stock audit answered ${audit.status}: ${JSON.stringify(audit.body)}`);
	report.audit = { repairedItems: audit.body.repairedItems, releasedUnits: audit.body.releasedUnits, shortItems: audit.body.shortItems };
	return report;
}

/** The report of a system where everything held: what each chaos test expects. */
export function healthyReport(report: InvariantReport, products: Array<{ id: string; stock: number }>): InvariantReport {
	return {
		lostOrders: [],
		badHistories: [],
		badPayments: [],
		badShipments: [],
		stock: products.map(p => {
			const s = report.stock.find(x => x.productId === p.id);
			const held = s?.heldByPaidOrders ?? 0;
			return { productId: p.id, onHand: p.stock, reserved: held, heldByPaidOrders: held, movementsNet: held };
		}),
		unbalancedReservations: [],
		repeatedNotifications: [],
		audit: { repairedItems: 0, releasedUnits: 0, shortItems: 0 }
	};
}
