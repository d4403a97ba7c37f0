/** What leaves the service about a payment: never a card number, a token or the provider reference. */
import { fromMinor } from "../money";
import type { FailureReason, PaymentDoc, PaymentStatus } from "./collections";

export interface PublicPayment {
	id: string;
	orderId: string;
	userId: string;
	amount: number;
	currency: string;
	status: PaymentStatus;
	brand?: string;
	last4?: string;
	failureReason?: FailureReason;
	attempts: number;
	refundedAt?: string;
	createdAt: string;
	updatedAt: string;
}

export function toPublicPayment(p: PaymentDoc): PublicPayment {
	const out: PublicPayment = {
		id: p.id,
		orderId: p.orderId,
		userId: p.userId,
		amount: fromMinor(p.amountMinor),
		currency: p.currency,
		status: p.status,
		attempts: p.attempts ?? 0,
		createdAt: p.createdAt,
		updatedAt: p.updatedAt
	};
	if (p.brand) out.brand = p.brand;
	if (p.last4) out.last4 = p.last4;
	if (p.failureReason) out.failureReason = p.failureReason;
	if (p.refundedAt) out.refundedAt = p.refundedAt;
	return out;
}
