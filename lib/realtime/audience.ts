/**
 * Who receives which event: a customer the events of their own orders, payments and shipments;
 * admins those of everyone, plus new orders, low stock and products becoming unavailable. And what
 * of an event leaves the server (no payment token).
 */

/** The events the realtime service listens to (besides user.session_revoked). */
export const CUSTOMER_EVENTS = [
	"order.created",
	"order.confirmed",
	"order.paid",
	"order.shipped",
	"order.delivered",
	"order.cancelled",
	"payment.succeeded",
	"payment.failed",
	"payment.refunded",
	"shipment.created",
	"shipment.shipped",
	"shipment.delivered"
] as const;

/** Events only admins see, as they are. */
export const ADMIN_EVENTS = ["inventory.low_stock", "product.deleted"] as const;

/** Events only read to notice that a product can no longer be bought (pushed as `product.unavailable`). */
export const STOCK_EVENTS = ["inventory.adjusted", "inventory.reserved"] as const;

export interface Audience {
	/** The customer the event belongs to (unknown: admins only). */
	userId?: string;
	admins: boolean;
}

export const isCustomerEvent = (type: string) => (CUSTOMER_EVENTS as readonly string[]).includes(type);
export const isAdminEvent = (type: string) => (ADMIN_EVENTS as readonly string[]).includes(type);

/** The audience of an event; `ownerId` is the customer it belongs to, when known. */
export function audienceOf(type: string, ownerId: string | undefined): Audience | null {
	if (isCustomerEvent(type)) return { userId: ownerId, admins: true };
	if (isAdminEvent(type) || type === "product.unavailable") return { admins: true };
	return null;
}

/** The data sent to clients: everything but secrets (order.confirmed carries the payment token for payments). */
export function publicData(data: unknown): unknown {
	if (!data || typeof data !== "object" || Array.isArray(data)) return data;
	const { paymentToken: _token, ...rest } = data as Record<string, unknown>;
	return rest;
}
