/**
 * The payments service's collections. Card numbers and CVCs are stored nowhere: the vault keeps
 * a token with brand, last4, expiry and the simulated outcome; payments keep brand and last4.
 */
import type { CollectionSpec } from "../store";

export type PaymentStatus = "pending" | "succeeded" | "failed" | "refunded";
export type FailureReason = "declined" | "insufficient_funds" | "processing_error";
/** What the simulated provider will do when a card is charged. */
export type CardOutcome = "success" | FailureReason;
export type CardBrand = "visa" | "mastercard" | "amex" | "unknown";

export interface PaymentDoc {
	id: string;
	orderId: string;
	userId: string;
	amountMinor: number;
	currency: string;
	status: PaymentStatus;
	brand?: string;
	last4?: string;
	providerRef?: string;
	failureReason?: FailureReason;
	attempts: number;
	refundedAt?: string;
	/** Idempotency-Key of the admin refund request, so its retry answers like the first one. */
	refundKey?: string;
	createdAt: string;
	updatedAt: string;
	[key: string]: unknown;
}

export interface PaymentMethodDoc {
	id: string;
	token: string;
	userId: string;
	brand: CardBrand;
	last4: string;
	expMonth: number;
	expYear: number;
	outcome: CardOutcome;
	createdAt: string;
	[key: string]: unknown;
}

/** The simulated provider's own ledger of captured charges; `id` is the provider reference. */
export interface ChargeDoc {
	id: string;
	/** One charge per key (the order id): a retried capture answers with the first charge. */
	idempotencyKey?: string;
	amountMinor: number;
	currency: string;
	status: "captured" | "refunded";
	createdAt: string;
	refundedAt?: string;
	[key: string]: unknown;
}

export const PAYMENTS: CollectionSpec = {
	name: "payments",
	fields: {
		orderId: { type: "string", required: true, unique: true },
		userId: { type: "string", required: true, index: true },
		amountMinor: { type: "integer", required: true },
		currency: { type: "string", required: true },
		status: { type: "string", required: true, index: true },
		brand: { type: "string" },
		last4: { type: "string" },
		providerRef: { type: "string" },
		failureReason: { type: "string" },
		attempts: { type: "integer", required: true, default: 0 },
		refundedAt: { type: "string" },
		refundKey: { type: "string" },
		createdAt: { type: "string", required: true, index: true },
		updatedAt: { type: "string", required: true }
	}
};

export const PAYMENT_METHODS: CollectionSpec = {
	name: "payment_methods",
	fields: {
		token: { type: "string", required: true, unique: true },
		userId: { type: "string", required: true, index: true },
		brand: { type: "string", required: true },
		last4: { type: "string", required: true },
		expMonth: { type: "integer", required: true },
		expYear: { type: "integer", required: true },
		outcome: { type: "string", required: true },
		createdAt: { type: "string", required: true }
	}
};

export const PROVIDER_CHARGES: CollectionSpec = {
	name: "provider_charges",
	fields: {
		idempotencyKey: { type: "string", unique: true },
		amountMinor: { type: "integer", required: true },
		currency: { type: "string", required: true },
		status: { type: "string", required: true },
		createdAt: { type: "string", required: true },
		refundedAt: { type: "string" }
	}
};

export const COLLECTIONS = [PAYMENTS, PAYMENT_METHODS, PROVIDER_CHARGES];
