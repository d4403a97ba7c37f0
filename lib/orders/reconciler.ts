/**
 * Re-drives orders whose flow stopped because an event was lost (a node died, no node of the
 * listening service was up) by emitting the event again. Every handler downstream is idempotent,
 * so a re-driven event completes a lost flow or changes nothing:
 * - `pending`: order.created lost, nobody reserved;
 * - `confirmed`: order.confirmed lost, nobody charged;
 * - `paid` with no shipment noted (shipment.created sets `shipmentId`): order.paid lost, nobody
 *   created the shipment, or shipment.created lost (the re-driven order.paid carries `redrive: true`,
 *   on which shipping announces a shipment it already has once more).
 *
 * An order is stuck when neither its last change nor a previous re-drive is younger than
 * `olderThanMs`. Each re-drive is claimed with a conditional update of `redrivenAt`, so with
 * several orders nodes only one of them re-emits a given order per period, and a batch never
 * starves: the orders just re-driven leave the selection until the period has passed again.
 */
import type { Filter, FindOptions, Store } from "../store";
import type { OrderDoc } from "./collections";
import { orderConfirmedData, orderCreatedData, orderProgressData } from "./event-data";

export interface ReconcileOptions {
	olderThanMs: number;
	limit: number;
	now?: Date;
}

export interface ReconcileResult {
	scanned: number;
	pending: number;
	confirmed: number;
	paid: number;
	orderIds: string[];
}

export type RedrivenEvent = "order.created" | "order.confirmed" | "order.paid";

export type Emit = (type: RedrivenEvent, order: OrderDoc, data: Record<string, unknown>) => Promise<unknown>;

const STUCK = ["pending", "confirmed", "paid"] as const;

function redrive(order: OrderDoc): { type: RedrivenEvent; data: Record<string, unknown> } {
	if (order.status === "pending") return { type: "order.created", data: orderCreatedData(order) };
	if (order.status === "confirmed") return { type: "order.confirmed", data: orderConfirmedData(order) };
	// `redrive` asks shipping to announce a shipment it already has: shipment.created may be what was lost.
	return { type: "order.paid", data: { ...orderProgressData(order), redrive: true } };
}

/**
 * The reads of orders left unmoved since `cutoff`, oldest first: two queries, each a seek on the
 * (status, shipmentId, updatedAt) index (test/store/hot-table-plans.test.ts). Orders before `paid`
 * never have a shipment, and a paid one is stuck only while it has none (a scan of every paid order
 * otherwise).
 */
export function stuckOrderQueries(cutoff: string, limit: number): [inFlight: FindOptions, unshipped: FindOptions] {
	const old: Filter = { updatedAt: { lte: cutoff }, redrivenAt: { lte: cutoff } };
	const sort: FindOptions["sort"] = [
		["updatedAt", "asc"],
		["id", "asc"]
	];
	return [
		{ where: { status: { in: ["pending", "confirmed"] }, shipmentId: null, ...old }, sort, limit },
		{ where: { status: "paid", shipmentId: null, ...old }, sort, limit }
	];
}

export async function reconcileOnce(store: Store<OrderDoc>, emit: Emit, opts: ReconcileOptions): Promise<ReconcileResult> {
	const now = opts.now ?? new Date();
	const cutoff = new Date(now.getTime() - opts.olderThanMs).toISOString();
	const [inFlight, unshipped] = await Promise.all(stuckOrderQueries(cutoff, opts.limit).map(query => store.find(query)));
	const stuck = [...inFlight, ...unshipped]
		.sort((a, b) => a.updatedAt.localeCompare(b.updatedAt) || a.id.localeCompare(b.id))
		.slice(0, opts.limit);
	const result: ReconcileResult = { scanned: stuck.length, pending: 0, confirmed: 0, paid: 0, orderIds: [] };
	for (const order of stuck) {
		const claimed = await store.updateById(
			order.id,
			{ set: { redrivenAt: now.toISOString() } },
			{ status: order.status, redrivenAt: order.redrivenAt, ...(order.status === "paid" ? { shipmentId: null } : {}) }
		);
		// Moved on meanwhile, or another node re-drives it.
		if (!claimed || !(STUCK as readonly string[]).includes(claimed.status)) continue;
		result[claimed.status as (typeof STUCK)[number]]++;
		const { type, data } = redrive(claimed);
		void emit(type, claimed, data);
		result.orderIds.push(order.id);
	}
	return result;
}
