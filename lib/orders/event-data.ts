/** The data of the order.* events, exactly as docs/order-flow.md fixes them. */
import { fromMinor } from "../money";
import type { OrderDoc, OrderStatus } from "./collections";

export function orderCreatedData(o: OrderDoc) {
	return {
		orderId: o.id,
		userId: o.userId,
		items: o.items.map(l => ({ productId: l.productId, quantity: l.quantity })),
		total: fromMinor(o.totalMinor),
		currency: o.currency
	};
}

/** Carries the payment token so payments can charge (the token is useless without the vault). */
export function orderConfirmedData(o: OrderDoc) {
	return {
		orderId: o.id,
		userId: o.userId,
		total: fromMinor(o.totalMinor),
		currency: o.currency,
		amountMinor: o.totalMinor,
		paymentToken: o.payment?.token ?? ""
	};
}

/** order.paid, order.shipped, order.delivered. */
export function orderProgressData(o: OrderDoc) {
	return { orderId: o.id, userId: o.userId, total: fromMinor(o.totalMinor), currency: o.currency, shippingAddress: o.shippingAddress };
}

export function orderCancelledData(o: OrderDoc, previousStatus: OrderStatus) {
	return {
		orderId: o.id,
		userId: o.userId,
		reason: o.cancelReason,
		previousStatus,
		total: fromMinor(o.totalMinor),
		currency: o.currency
	};
}

/** The event announcing that an order entered `status`, with its data. */
export function transitionEvent(o: OrderDoc, previousStatus: OrderStatus): { type: string; data: Record<string, unknown> } {
	switch (o.status) {
		case "confirmed":
			return { type: "order.confirmed", data: orderConfirmedData(o) };
		case "cancelled":
			return { type: "order.cancelled", data: orderCancelledData(o, previousStatus) };
		case "pending":
			return { type: "order.created", data: orderCreatedData(o) };
		default:
			return { type: `order.${o.status}`, data: orderProgressData(o) };
	}
}
