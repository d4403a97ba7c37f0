/** The `orders` collection: what is stored for an order, on every adapter. Money in integer minor units. */
import type { PostalAddress } from "../address";
import type { CollectionSpec } from "../store";

export const ORDER_STATUSES = ["pending", "confirmed", "paid", "shipped", "delivered", "cancelled"] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export const CANCEL_REASONS = ["out_of_stock", "payment_failed", "customer", "admin", "refunded"] as const;
export type CancelReason = (typeof CANCEL_REASONS)[number];

export interface OrderLineDoc {
	productId: string;
	name: string;
	priceMinor: number;
	quantity: number;
	subtotalMinor: number;
}

export type ShippingAddress = PostalAddress;

export type PaymentStatus = "pending" | "succeeded" | "failed" | "refunded";

/** The card never reaches this document: only the provider's token, brand and last4. */
export interface OrderPaymentDoc {
	status: PaymentStatus;
	brand?: string;
	last4?: string;
	token?: string;
	paymentId?: string;
	failureReason?: string;
}

export interface StatusEntry {
	status: OrderStatus;
	at: string;
	/** Who moved the order: a user id, or the service whose event moved it ("inventory", "payments", ...). */
	by: string;
	note?: string;
}

export interface OrderDoc {
	id: string;
	userId: string;
	status: OrderStatus;
	cancelReason?: CancelReason;
	items: OrderLineDoc[];
	totalMinor: number;
	currency: string;
	shippingAddress: ShippingAddress;
	payment?: OrderPaymentDoc;
	statusHistory: StatusEntry[];
	/** `${userId}:${Idempotency-Key}`, unique, so keys are per user; absent without the header. */
	idempotencyKey?: string;
	/** Incremented by every write that reads-modifies the document (optimistic concurrency). */
	version: number;
	/** When the reconciler last re-drove the order (createdAt until then). */
	redrivenAt: string;
	/** Noted from shipment.created; null until then, so the reconciler finds paid orders left without one. */
	shipmentId?: string | null;
	/** Set when the order is cancelled; cleared once the reconciler saw its stock, charge and shipment settled (compensation.ts). */
	compensationDueAt?: string | null;
	createdAt: string;
	updatedAt: string;
	[key: string]: unknown;
}

export const ordersCollection: CollectionSpec = {
	name: "orders",
	fields: {
		userId: { type: "string", required: true },
		status: { type: "string", required: true },
		cancelReason: { type: "string" },
		items: { type: "json", required: true },
		totalMinor: { type: "integer", required: true },
		currency: { type: "string", required: true },
		shippingAddress: { type: "json", required: true },
		payment: { type: "json" },
		statusHistory: { type: "json", required: true },
		idempotencyKey: { type: "string", unique: true },
		version: { type: "integer", required: true, default: 0 },
		redrivenAt: { type: "string", required: true },
		shipmentId: { type: "string" },
		compensationDueAt: { type: "string", index: true },
		createdAt: { type: "string", required: true, index: true },
		updatedAt: { type: "string", required: true }
	},
	indexes: [{ fields: ["status", "shipmentId", "updatedAt"] }, { fields: ["userId", "createdAt"] }]
};
