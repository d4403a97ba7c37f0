/**
 * Re-drives orders stuck in `pending` (order.created lost: nobody reserved) or `confirmed`
 * (order.confirmed lost: nobody charged) by emitting the event again. Every handler downstream is
 * idempotent, so a re-driven event completes a lost flow or changes nothing.
 *
 * An order is stuck when neither its status nor a previous re-drive is younger than `olderThanMs`.
 * Each re-drive is claimed with a conditional update of `redrivenAt`, so with several orders
 * nodes only one of them re-emits a given order per period, and a batch never starves: the
 * orders just re-driven leave the selection until the period has passed again.
 */
import type { Store } from "../store";
import type { OrderDoc } from "./collection";
import { orderConfirmedData, orderCreatedData } from "./event-data";

export interface ReconcileOptions {
	olderThanMs: number;
	limit: number;
	now?: Date;
}

export interface ReconcileResult {
	scanned: number;
	pending: number;
	confirmed: number;
	orderIds: string[];
}

export type Emit = (type: "order.created" | "order.confirmed", order: OrderDoc, data: Record<string, unknown>) => Promise<unknown>;

export async function reconcileOnce(store: Store<OrderDoc>, emit: Emit, opts: ReconcileOptions): Promise<ReconcileResult> {
	const now = opts.now ?? new Date();
	const cutoff = new Date(now.getTime() - opts.olderThanMs).toISOString();
	const stuck = await store.find({
		where: { status: { in: ["pending", "confirmed"] }, updatedAt: { lte: cutoff }, redrivenAt: { lte: cutoff } },
		sort: [
			["updatedAt", "asc"],
			["id", "asc"]
		],
		limit: opts.limit
	});
	const result: ReconcileResult = { scanned: stuck.length, pending: 0, confirmed: 0, orderIds: [] };
	for (const order of stuck) {
		const claimed = await store.updateById(
			order.id,
			{ set: { redrivenAt: now.toISOString() } },
			{ status: order.status, redrivenAt: order.redrivenAt }
		);
		// Moved on meanwhile, or another node re-drives it.
		if (!claimed) continue;
		if (claimed.status === "pending") {
			result.pending++;
			void emit("order.created", claimed, orderCreatedData(claimed));
		} else {
			result.confirmed++;
			void emit("order.confirmed", claimed, orderConfirmedData(claimed));
		}
		result.orderIds.push(order.id);
	}
	return result;
}
