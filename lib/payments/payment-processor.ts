/**
 * Charging and refunding orders, idempotent per order id, on the payments collection.
 *
 * Charge: the payment is inserted first (unique orderId), so of concurrent or repeated requests
 * for one order exactly one charges; the others get the existing payment. A payment left
 * `pending` longer than PAYMENT_STALE_AFTER_MS (its charger died) is claimed by a conditional
 * update and charged again; the provider's idempotency key (the order id) keeps that from
 * capturing twice. Processing errors are retried with exponential backoff, then the payment
 * fails with `processing_error`. Every state change is a conditional update on the current status.
 */
import { ConflictError } from "../errors";
import { DuplicateKeyError, type Store } from "../store";
import type { FailureReason, PaymentDoc } from "./collections";
import { PaymentDeclinedError, PaymentProcessingError, isRetryable } from "./errors";
import type { PaymentEventType } from "./event-data";
import { withRetry } from "./retry";
import type { PaymentSettings } from "./settings";
import type { SimulatedCardProvider } from "./simulated-provider";

export interface ChargeRequest {
	orderId: string;
	userId: string;
	amountMinor: number;
	currency: string;
	token: string;
}

/** `settled`: this call moved the payment (and announced it); otherwise the payment is as someone else left it. */
export interface PaymentResult {
	payment: PaymentDoc;
	settled: boolean;
}

/** Records a payment event in the write it is called in (delivered once that write commits). */
export type Stage = (type: PaymentEventType, payment: PaymentDoc) => void;

/**
 * One atomic write of the payments store with the events it stages (the service's outbox): a
 * payment's new status and its event are stored together or not at all.
 */
export type PaymentWrite = <R>(work: (payments: Store<PaymentDoc>, stage: Stage) => Promise<R>) => Promise<R>;

interface Logger {
	info(...args: unknown[]): void;
	warn(...args: unknown[]): void;
}

type Outcome = { status: "succeeded"; providerRef: string } | { status: "failed"; reason: FailureReason };

const nowIso = () => new Date().toISOString();

export class PaymentProcessor {
	constructor(
		private readonly payments: Store<PaymentDoc>,
		private readonly provider: SimulatedCardProvider,
		private readonly settings: () => PaymentSettings,
		private readonly logger: Logger
	) {}

	async charge(req: ChargeRequest, write: PaymentWrite): Promise<PaymentResult> {
		const { payment, claimed } = await this.begin(req);
		if (!claimed) return { payment, settled: false };
		const outcome = await this.attempt(payment, req.token);
		const set: Record<string, unknown> =
			outcome.status === "succeeded"
				? { status: "succeeded", providerRef: outcome.providerRef, updatedAt: nowIso() }
				: { status: "failed", failureReason: outcome.reason, updatedAt: nowIso() };
		const done = await write(async (payments, stage) => {
			const moved = await payments.updateById(payment.id, { set }, { status: "pending" });
			if (moved) stage(moved.status === "succeeded" ? "payment.succeeded" : "payment.failed", moved);
			return moved;
		});
		if (!done) return { payment: (await this.payments.findById(payment.id)) ?? payment, settled: false };
		if (done.status === "failed") this.logger.info(`Payment ${done.id} of order ${done.orderId} failed: ${done.failureReason}`);
		return { payment: done, settled: true };
	}

	/**
	 * succeeded -> refunded (conditional), then the provider gives the money back. Any other state
	 * answers the payment unchanged with `settled: false`; the caller decides whether that is an error.
	 */
	async refund(payment: PaymentDoc, write: PaymentWrite, idempotencyKey?: string): Promise<PaymentResult> {
		const at = nowIso();
		const set: Record<string, unknown> = { status: "refunded", refundedAt: at, updatedAt: at };
		if (idempotencyKey) set.refundKey = idempotencyKey;
		const refunded = await this.payments.updateById(payment.id, { set }, { status: "succeeded" });
		if (!refunded) return { payment: (await this.payments.findById(payment.id)) ?? payment, settled: false };
		if (refunded.providerRef) {
			try {
				await this.provider.refund(refunded.providerRef);
			} catch (err) {
				// Put it back so the refund can be tried again.
				await this.payments.updateById(
					payment.id,
					{ set: { status: "succeeded", updatedAt: nowIso() } },
					{ status: "refunded", refundedAt: at }
				);
				throw err;
			}
		}
		// Announced once the provider gave the money back (a crash just before leaves it unannounced: see docs/architecture.md).
		await write(async (_payments, stage) => stage("payment.refunded", refunded));
		return { payment: refunded, settled: true };
	}

	/** Like refund, but a payment that is neither succeeded nor already refunded is a 409. */
	async refundOrThrow(payment: PaymentDoc, write: PaymentWrite, idempotencyKey?: string): Promise<PaymentResult> {
		const result = await this.refund(payment, write, idempotencyKey);
		if (!result.settled && result.payment.status !== "refunded") throw notRefundable(result.payment);
		return result;
	}

	/** Inserts the pending payment, or finds the existing one and claims it when it is stale. */
	private async begin(req: ChargeRequest): Promise<{ payment: PaymentDoc; claimed: boolean }> {
		const card = await this.provider.describe(req.token, req.userId);
		const at = nowIso();
		try {
			const payment = await this.payments.insert({
				orderId: req.orderId,
				userId: req.userId,
				amountMinor: req.amountMinor,
				currency: req.currency,
				status: "pending",
				// The first attempt follows at once: counted here rather than by a write of its own.
				attempts: 1,
				...(card ? { brand: card.brand, last4: card.last4 } : {}),
				createdAt: at,
				updatedAt: at
			});
			return { payment, claimed: true };
		} catch (err) {
			if (!(err instanceof DuplicateKeyError)) throw err;
		}
		const existing = await this.payments.findOne({ orderId: req.orderId });
		if (!existing) throw new Error(`Payment of order ${req.orderId} clashed on insert but cannot be found`);
		const stale = existing.status === "pending" && Date.now() - Date.parse(existing.updatedAt) >= this.settings().staleAfterMs;
		if (!stale) return { payment: existing, claimed: false };
		const claimed = await this.payments.updateById(
			existing.id,
			{ set: { updatedAt: nowIso() }, inc: { attempts: 1 } },
			{ status: "pending", updatedAt: existing.updatedAt, attempts: existing.attempts }
		);
		if (claimed) this.logger.warn(`Payment ${existing.id} of order ${existing.orderId} was left pending; charging it again`);
		return claimed
			? { payment: claimed, claimed: true }
			: { payment: (await this.payments.findById(existing.id)) ?? existing, claimed: false };
	}

	/** Charges with retries; unexpected errors (database down) propagate and leave the payment pending. */
	private async attempt(payment: PaymentDoc, token: string): Promise<Outcome> {
		const settings = this.settings();
		try {
			const { providerRef } = await withRetry(
				() =>
					this.provider.charge(token, payment.amountMinor, payment.currency, {
						idempotencyKey: payment.orderId,
						userId: payment.userId
					}),
				{
					attempts: settings.maxAttempts,
					baseDelayMs: settings.retryDelayMs,
					isRetryable,
					// The first attempt was counted when the payment was inserted or claimed.
					onAttempt: async attempt => {
						if (attempt === 1) return;
						await this.payments.updateById(
							payment.id,
							{ inc: { attempts: 1 }, set: { updatedAt: nowIso() } },
							{ status: "pending" }
						);
					}
				}
			);
			return { status: "succeeded", providerRef };
		} catch (err) {
			if (err instanceof PaymentDeclinedError) return { status: "failed", reason: err.reason };
			if (err instanceof PaymentProcessingError) return { status: "failed", reason: "processing_error" };
			throw err;
		}
	}
}

export function notRefundable(payment: PaymentDoc): ConflictError {
	return new ConflictError(`Only a succeeded payment can be refunded; this one is ${payment.status}`, "PAYMENT_NOT_REFUNDABLE", {
		status: payment.status
	});
}
