/**
 * What the orders service does on the events of the other services (docs/order-flow.md), as
 * plain functions of the event data. Each is idempotent by state: the move goes through
 * transitionOrder's conditional update, and an event whose move is already done (a redelivery, a
 * re-drive) or no longer possible meets an IllegalTransitionError and changes nothing.
 *
 * Two races are compensated here, because nobody else would see them:
 * - stock reserved for an order cancelled while it was still pending (order.cancelled from pending
 *   does not release): the reservation is released;
 * - a charge that succeeded for an order cancelled while confirmed: the payment is refunded.
 */
import type { InventoryEvents } from "../inventory/events";
import type { PaymentEvents } from "../payments/events";
import type { ShipmentEvents } from "../shipping/events";
import type { Store } from "../store";
import type { CancelReason, OrderDoc, OrderStatus } from "./collections";
import { IllegalTransitionError, updateOrderFields, type TransitionRequest, type TransitionResult } from "./order-state";

export interface FlowDeps {
	store: Store<OrderDoc>;
	/** Moves the order (transitionOrder) and records its order.* event, in one write. */
	transition(orderId: string, req: TransitionRequest): Promise<TransitionResult>;
	releaseStock(orderId: string): Promise<unknown>;
	refundPayment(orderId: string): Promise<unknown>;
	logger: { info(...a: unknown[]): void; debug(...a: unknown[]): void; warn(...a: unknown[]): void };
}

/**
 * The data read from each consumed event: the emitters' contracts. The orders service checks
 * `orderId` before a handler runs; every other field is read as possibly absent (an older node's event).
 */
type Read<T extends { orderId: string }> = Pick<T, "orderId"> & Partial<T>;
export type InventoryReservedData = Read<InventoryEvents["inventory.reserved"]>;
export type ReservationFailedData = Read<InventoryEvents["inventory.reservation_failed"]>;
export type PaymentSucceededData = Read<PaymentEvents["payment.succeeded"]>;
export type PaymentFailedData = Read<PaymentEvents["payment.failed"]>;
export type PaymentRefundedData = Read<PaymentEvents["payment.refunded"]>;
export type ShipmentData = Read<ShipmentEvents["shipment.shipped"]>;

/** The outcome of one attempted move: the order after it, or why nothing happened. */
type Moved = { moved: true; order: OrderDoc } | { moved: false; status?: OrderStatus };

async function move(deps: FlowDeps, orderId: string, req: TransitionRequest): Promise<Moved> {
	try {
		const { order } = await deps.transition(orderId, req);
		return { moved: true, order };
	} catch (err) {
		if (err instanceof IllegalTransitionError) {
			deps.logger.debug(`Order ${orderId} is ${err.from}: ${req.to} by ${req.by} changes nothing`);
			return { moved: false, status: err.from };
		}
		if ((err as { code?: number }).code === 404) {
			deps.logger.warn(`Event for unknown order ${orderId} ignored`);
			return { moved: false };
		}
		throw err;
	}
}

const cancel = (by: string, cancelReason: CancelReason, extra?: TransitionRequest["extra"]): TransitionRequest => ({
	to: "cancelled",
	by,
	cancelReason,
	extra
});

export async function onInventoryReserved(deps: FlowDeps, data: InventoryReservedData, by = "inventory"): Promise<void> {
	const r = await move(deps, data.orderId, { to: "confirmed", from: ["pending"], by });
	if (!r.moved && r.status === "cancelled") {
		deps.logger.info(`Stock was reserved for the cancelled order ${data.orderId}: releasing it`);
		await deps.releaseStock(data.orderId);
	}
}

export async function onReservationFailed(deps: FlowDeps, data: ReservationFailedData, by = "inventory"): Promise<void> {
	const note = data.productId ? `out of stock: ${data.productId}` : undefined;
	await move(deps, data.orderId, { ...cancel(by, "out_of_stock"), from: ["pending"], note });
}

export async function onPaymentSucceeded(deps: FlowDeps, data: PaymentSucceededData, by = "payments"): Promise<void> {
	const r = await move(deps, data.orderId, {
		to: "paid",
		from: ["confirmed"],
		by,
		extra: order => ({
			payment: {
				...order.payment,
				status: "succeeded",
				...(data.paymentId ? { paymentId: data.paymentId } : {}),
				...(data.brand ? { brand: data.brand } : {}),
				...(data.last4 ? { last4: data.last4 } : {})
			}
		})
	});
	if (!r.moved && r.status === "cancelled") {
		deps.logger.info(`A charge succeeded for the cancelled order ${data.orderId}: refunding it`);
		await deps.refundPayment(data.orderId);
	}
}

export async function onPaymentFailed(deps: FlowDeps, data: PaymentFailedData, by = "payments"): Promise<void> {
	const r = await move(deps, data.orderId, {
		...cancel(by, "payment_failed", order => ({
			payment: {
				...order.payment,
				status: "failed",
				...(data.paymentId ? { paymentId: data.paymentId } : {}),
				...(data.reason ? { failureReason: data.reason } : {})
			}
		})),
		from: ["confirmed"],
		note: data.reason
	});
	// Cancelled meanwhile (by the customer): the order still shows how its payment ended.
	if (!r.moved && r.status === "cancelled")
		await updateOrderFields(deps.store, data.orderId, order =>
			order.payment?.status === "pending"
				? { payment: { ...order.payment, status: "failed", ...(data.reason ? { failureReason: data.reason } : {}) } }
				: null
		);
}

/**
 * A refund the order did not start (an admin's, on the payment) cancels a paid order with reason
 * "refunded": its order.cancelled releases the stock, and payments finds the payment already
 * refunded. Any other order (cancelled first, or shipped: a return) keeps its status and shows the
 * payment refunded.
 */
export async function onPaymentRefunded(deps: FlowDeps, data: PaymentRefundedData, by = "payments"): Promise<void> {
	const refunded = (order: OrderDoc) => ({ payment: { ...order.payment!, status: "refunded" as const } });
	const r = await move(deps, data.orderId, { ...cancel(by, "refunded", refunded), from: ["paid"], note: "payment refunded" });
	if (r.moved) return;
	await updateOrderFields(deps.store, data.orderId, order =>
		order.payment && order.payment.status !== "refunded" ? refunded(order) : null
	);
}

/**
 * Not a status change: the order notes its shipment, which takes it out of the reconciler's sight.
 * One conditional write (first shipment wins; a repeat changes nothing), no read.
 */
export async function onShipmentCreated(deps: FlowDeps, data: ShipmentData): Promise<void> {
	if (!data.shipmentId) return;
	await deps.store.updateById(data.orderId, { set: { shipmentId: data.shipmentId } }, { shipmentId: null });
}

export async function onShipmentShipped(deps: FlowDeps, data: ShipmentData, by = "shipping"): Promise<void> {
	await move(deps, data.orderId, { to: "shipped", from: ["paid"], by });
}

/** A delivery overtaking its shipped event (possible across nodes) still walks paid -> shipped -> delivered. */
export async function onShipmentDelivered(deps: FlowDeps, data: ShipmentData, by = "shipping"): Promise<void> {
	const r = await move(deps, data.orderId, { to: "delivered", from: ["shipped"], by });
	if (!r.moved && r.status === "paid") {
		await move(deps, data.orderId, { to: "shipped", from: ["paid"], by });
		await move(deps, data.orderId, { to: "delivered", from: ["shipped"], by });
	}
}
