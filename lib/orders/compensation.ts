/**
 * Cancellations are re-driven like every other stuck state. A cancelled order is owed its
 * compensation: the stock it held back in inventory, its charge refunded, its pending shipment
 * called off. order.cancelled asks for all of it and is delivered at least once (the outbox), but a
 * consumer can still fail for good on the bus, or a message can end in a dead-letter queue.
 *
 * So the cancellation itself records `compensationDueAt` (with the status, one write). Once
 * ORDER_STUCK_AFTER_MS has passed since then, the reconciler asks inventory, payments and shipping
 * directly (each step idempotent: it does what is left, or answers that nothing is) and clears the
 * mark when every one of them answered done; otherwise the mark moves to now and the order is
 * asked about again a period later. Each pass claims an order with a conditional update of the
 * mark, so with several orders nodes only one of them works on a given order.
 */
import type { Store } from "../store";
import type { OrderDoc } from "./collections";

/** What one step answered: its part is done (or there was nothing to do), or it must be asked again later. */
export type StepOutcome = "done" | "later";

export interface CompensationSteps {
	releaseStock(orderId: string): Promise<StepOutcome>;
	refundPayment(orderId: string): Promise<StepOutcome>;
	cancelShipment(orderId: string): Promise<StepOutcome>;
}

export interface CompensationResult {
	scanned: number;
	settled: number;
	pending: number;
	orderIds: string[];
}

export async function compensateOnce(
	store: Store<OrderDoc>,
	steps: CompensationSteps,
	opts: { olderThanMs: number; limit: number; now?: Date }
): Promise<CompensationResult> {
	const now = opts.now ?? new Date();
	const cutoff = new Date(now.getTime() - opts.olderThanMs).toISOString();
	const due = await store.find({
		where: { compensationDueAt: { lte: cutoff } },
		sort: [
			["compensationDueAt", "asc"],
			["id", "asc"]
		],
		limit: opts.limit
	});
	const result: CompensationResult = { scanned: due.length, settled: 0, pending: 0, orderIds: [] };
	for (const order of due) {
		const mark = now.toISOString();
		const claimed = await store.updateById(
			order.id,
			{ set: { compensationDueAt: mark } },
			{ compensationDueAt: order.compensationDueAt as string }
		);
		if (!claimed) continue; // another node works on it
		result.orderIds.push(order.id);
		// Every step is tried even when one fails: each is independent and idempotent.
		const outcomes = await Promise.all(
			[steps.releaseStock, steps.refundPayment, steps.cancelShipment].map(step => step(order.id).catch((): StepOutcome => "later"))
		);
		if (outcomes.every(o => o === "done")) {
			await store.updateById(order.id, { set: { compensationDueAt: null } }, { compensationDueAt: mark });
			result.settled++;
		} else result.pending++;
	}
	return result;
}
