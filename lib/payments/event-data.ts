/** The data of the payment events, as docs/order-flow.md fixes it. */
import { fromMinor } from "../money";
import type { FailureReason, PaymentDoc } from "./collections";

export type PaymentEventType = "payment.succeeded" | "payment.failed" | "payment.refunded";

export interface PaymentSucceededData {
	orderId: string;
	paymentId: string;
	amount: number;
	currency: string;
	brand?: string;
	last4?: string;
}

export interface PaymentFailedData {
	orderId: string;
	paymentId: string;
	reason: FailureReason;
}

export interface PaymentRefundedData {
	orderId: string;
	paymentId: string;
	amount: number;
	currency: string;
}

export function paymentEventData(type: PaymentEventType, p: PaymentDoc): PaymentSucceededData | PaymentFailedData | PaymentRefundedData {
	switch (type) {
		case "payment.succeeded":
			return {
				orderId: p.orderId,
				paymentId: p.id,
				amount: fromMinor(p.amountMinor),
				currency: p.currency,
				brand: p.brand,
				last4: p.last4
			};
		case "payment.failed":
			return { orderId: p.orderId, paymentId: p.id, reason: p.failureReason ?? "declined" };
		case "payment.refunded":
			return { orderId: p.orderId, paymentId: p.id, amount: fromMinor(p.amountMinor), currency: p.currency };
	}
}

/** The event that announced how a settled payment ended, or null while it is pending. */
export function outcomeEventOf(p: PaymentDoc): PaymentEventType | null {
	if (p.status === "succeeded") return "payment.succeeded";
	if (p.status === "failed") return "payment.failed";
	if (p.status === "refunded") return "payment.refunded";
	return null;
}
