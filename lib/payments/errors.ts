/** What the simulated provider throws when a charge does not go through. */
import type { FailureReason } from "./collections";

/** Final: the card was refused; charging it again gives the same answer. */
export class PaymentDeclinedError extends Error {
	readonly retryable = false;
	constructor(
		public readonly reason: Exclude<FailureReason, "processing_error">,
		message = reason === "insufficient_funds" ? "Insufficient funds" : "The card was declined"
	) {
		super(message);
		this.name = "PaymentDeclinedError";
	}
}

/** Transient: the provider failed to process this attempt; another attempt may go through. */
export class PaymentProcessingError extends Error {
	readonly retryable = true;
	readonly reason = "processing_error" as const;
	constructor(message = "The payment provider could not process the charge") {
		super(message);
		this.name = "PaymentProcessingError";
	}
}

export class UnknownChargeError extends Error {
	constructor(providerRef: string) {
		super(`No charge ${providerRef} at the provider`);
		this.name = "UnknownChargeError";
	}
}

export function isRetryable(err: unknown): boolean {
	return (err as { retryable?: boolean })?.retryable === true;
}
