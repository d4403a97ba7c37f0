/**
 * The order aggregate's state machine (docs/architecture.md, Order states):
 *
 *   pending -> confirmed -> paid -> shipped -> delivered
 *   pending | confirmed | paid -> cancelled (with a cancelReason)
 *
 * Any other move is a 409 ILLEGAL_TRANSITION. `transitionOrder` is the only code that changes an
 * order's status: one conditional update on the status AND the version read, with the version
 * incremented, so two concurrent writers never both append to statusHistory from the same base
 * (the loser re-reads and either retries on the fresh document or finds the move illegal).
 */
import { ConflictError, NotFoundError } from "../errors";
import type { Store } from "../store";
import type { CancelReason, OrderDoc, OrderStatus, StatusEntry } from "./collections";

export const TRANSITIONS: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
	pending: ["confirmed", "cancelled"],
	confirmed: ["paid", "cancelled"],
	paid: ["shipped", "cancelled"],
	shipped: ["delivered"],
	delivered: [],
	cancelled: []
};

export function canTransition(from: OrderStatus, to: OrderStatus): boolean {
	return TRANSITIONS[from]?.includes(to) ?? false;
}

export class IllegalTransitionError extends ConflictError {
	constructor(
		public readonly orderId: string,
		public readonly from: OrderStatus,
		public readonly to: OrderStatus
	) {
		super(`An order that is ${from} cannot become ${to}`, "ILLEGAL_TRANSITION", { orderId, from, to });
	}
}

export interface TransitionRequest {
	to: OrderStatus;
	/** Who moves it (user id or service name), recorded in statusHistory. */
	by: string;
	/** Required when `to` is cancelled. */
	cancelReason?: CancelReason;
	/** Only from these statuses (a subset of what the machine allows), e.g. payment.failed only cancels a confirmed order. */
	from?: readonly OrderStatus[];
	/** Further fields written in the same update, computed from the document read (e.g. the payment). */
	extra?: (order: OrderDoc) => Record<string, unknown>;
	note?: string;
}

export interface TransitionResult {
	order: OrderDoc;
	previousStatus: OrderStatus;
}

/** Attempts before giving up on a document that keeps changing under us (each lost race re-reads). */
const MAX_ATTEMPTS = 20;

export async function transitionOrder(
	store: Store<OrderDoc>,
	id: string,
	req: TransitionRequest,
	now = () => new Date()
): Promise<TransitionResult> {
	if (req.to === "cancelled" && !req.cancelReason) throw new Error("A cancellation needs a cancelReason");
	for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
		const order = await store.findById(id);
		if (!order) throw new NotFoundError("Order", id);
		const from = order.status;
		if (!canTransition(from, req.to) || (req.from && !req.from.includes(from))) throw new IllegalTransitionError(id, from, req.to);

		const at = now().toISOString();
		const entry: StatusEntry = { status: req.to, at, by: req.by };
		if (req.note) entry.note = req.note;
		const set: Record<string, unknown> = {
			...req.extra?.(order),
			status: req.to,
			statusHistory: [...(order.statusHistory ?? []), entry],
			updatedAt: at
		};
		if (req.to === "cancelled") set.cancelReason = req.cancelReason;

		const updated = await store.updateById(id, { set, inc: { version: 1 } }, { status: from, version: order.version ?? 0 });
		if (updated) return { order: updated, previousStatus: from };
		// Someone else wrote the order since we read it: read again and decide on the fresh state.
	}
	throw new ConflictError("The order keeps changing concurrently; try again", "CONCURRENT_UPDATE", { orderId: id });
}

/**
 * Changes fields other than the status (e.g. the payment after a refund) with the same optimistic
 * rule; `change` returns null when there is nothing to do. Null when the order does not exist.
 */
export async function updateOrderFields(
	store: Store<OrderDoc>,
	id: string,
	change: (order: OrderDoc) => Record<string, unknown> | null,
	now = () => new Date()
): Promise<OrderDoc | null> {
	for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
		const order = await store.findById(id);
		if (!order) return null;
		const set = change(order);
		if (!set) return order;
		const updated = await store.updateById(
			id,
			{ set: { ...set, updatedAt: now().toISOString() }, inc: { version: 1 } },
			{ version: order.version ?? 0 }
		);
		if (updated) return updated;
	}
	throw new ConflictError("The order keeps changing concurrently; try again", "CONCURRENT_UPDATE", { orderId: id });
}
