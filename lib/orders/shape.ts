/** Between the stored order and the one the API shows: money as decimals, never the payment token. */
import { fromMinor } from "../money";
import type { CancelReason, OrderDoc, OrderStatus, PaymentStatus, ShippingAddress, StatusEntry } from "./collections";

export interface PublicOrderLine {
	productId: string;
	name: string;
	price: number;
	quantity: number;
	subtotal: number;
}

export interface PublicOrder {
	id: string;
	userId: string;
	status: OrderStatus;
	cancelReason?: CancelReason;
	items: PublicOrderLine[];
	total: number;
	currency: string;
	shippingAddress: ShippingAddress;
	payment?: { status: PaymentStatus; brand?: string; last4?: string };
	statusHistory: StatusEntry[];
	createdAt: string;
	updatedAt: string;
}

export function toPublicOrder(doc: OrderDoc): PublicOrder {
	const order: PublicOrder = {
		id: doc.id,
		userId: doc.userId,
		status: doc.status,
		items: (doc.items ?? []).map(l => ({
			productId: l.productId,
			name: l.name,
			price: fromMinor(l.priceMinor),
			quantity: l.quantity,
			subtotal: fromMinor(l.subtotalMinor)
		})),
		total: fromMinor(doc.totalMinor),
		currency: doc.currency,
		shippingAddress: doc.shippingAddress,
		statusHistory: (doc.statusHistory ?? []).map(e => ({ ...e })),
		createdAt: doc.createdAt,
		updatedAt: doc.updatedAt
	};
	if (doc.cancelReason) order.cancelReason = doc.cancelReason;
	if (doc.payment) {
		const { status, brand, last4 } = doc.payment;
		order.payment = { status };
		if (brand) order.payment.brand = brand;
		if (last4) order.payment.last4 = last4;
	}
	return order;
}
