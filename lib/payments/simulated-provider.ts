/**
 * A simulated card provider. `tokenize` checks a card and keeps, in the vault, only what a real
 * provider would let a shop see (brand, last4, expiry) plus the outcome its test card stands for;
 * the number and the CVC are dropped there and then. `charge` captures an amount on a token (one
 * charge per idempotency key) or throws a typed error; `refund` gives a captured charge back.
 */
import { randomBytesFromPool } from "../ids";
import { DuplicateKeyError, type Store } from "../store";
import { validateCard, type CardInput } from "./card";
import type { CardBrand, ChargeDoc, PaymentMethodDoc } from "./collections";
import { PaymentDeclinedError, PaymentProcessingError, UnknownChargeError } from "./errors";
import { outcomeOf } from "./test-cards";

export interface TokenizedCard {
	token: string;
	brand: CardBrand;
	last4: string;
}

export interface ChargeOptions {
	/** The same key never captures twice: a repeated charge answers with the first one's reference. */
	idempotencyKey?: string;
	/** When given, a token of another user is refused like an unknown one. */
	userId?: string;
}

export interface ProviderClock {
	now(): Date;
}

const systemClock: ProviderClock = { now: () => new Date() };

export class SimulatedCardProvider {
	constructor(
		private readonly vault: Store<PaymentMethodDoc>,
		private readonly charges: Store<ChargeDoc>,
		private readonly clock: ProviderClock = systemClock
	) {}

	/** Throws InvalidFieldsError (422) naming `payment.cardNumber`, `payment.expMonth`, `payment.expYear`, `payment.cvc`. */
	async tokenize(userId: string, card: CardInput): Promise<TokenizedCard> {
		const now = this.clock.now();
		const valid = validateCard(card, now);
		const token = `tok_${randomBytesFromPool(18).toString("base64url")}`;
		await this.vault.insert({
			token,
			userId,
			brand: valid.brand,
			last4: valid.last4,
			expMonth: valid.expMonth,
			expYear: valid.expYear,
			outcome: outcomeOf(valid.number),
			createdAt: now.toISOString()
		});
		return { token, brand: valid.brand, last4: valid.last4 };
	}

	/** Brand and last4 of a token (of this user, when given), or null when there is no such token. */
	async describe(token: string, userId?: string): Promise<{ brand: CardBrand; last4: string } | null> {
		const method = await this.vault.findOne({ token });
		if (!method || (userId !== undefined && method.userId !== userId)) return null;
		return { brand: method.brand, last4: method.last4 };
	}

	/** Throws PaymentDeclinedError (final) or PaymentProcessingError (transient, retryable). */
	async charge(token: string, amountMinor: number, currency: string, opts: ChargeOptions = {}): Promise<{ providerRef: string }> {
		const method = await this.vault.findOne({ token });
		if (!method || (opts.userId !== undefined && method.userId !== opts.userId)) {
			throw new PaymentDeclinedError("declined", "Unknown payment token");
		}
		if (opts.idempotencyKey) {
			const earlier = await this.charges.findOne({ idempotencyKey: opts.idempotencyKey });
			if (earlier) return { providerRef: earlier.id };
		}
		switch (method.outcome) {
			case "declined":
			case "insufficient_funds":
				throw new PaymentDeclinedError(method.outcome);
			case "processing_error":
				throw new PaymentProcessingError();
		}
		const providerRef = `ch_${randomBytesFromPool(12).toString("hex")}`;
		try {
			await this.charges.insert({
				id: providerRef,
				...(opts.idempotencyKey ? { idempotencyKey: opts.idempotencyKey } : {}),
				amountMinor,
				currency,
				status: "captured",
				createdAt: this.clock.now().toISOString()
			});
		} catch (err) {
			// The same key captured concurrently: that charge is the one.
			if (!(err instanceof DuplicateKeyError) || !opts.idempotencyKey) throw err;
			const winner = await this.charges.findOne({ idempotencyKey: opts.idempotencyKey });
			if (!winner) throw err;
			return { providerRef: winner.id };
		}
		return { providerRef };
	}

	/** Idempotent: refunding a refunded charge answers the same. Throws UnknownChargeError for an unknown reference. */
	async refund(providerRef: string): Promise<{ providerRef: string; status: "refunded" }> {
		const refunded = await this.charges.updateById(
			providerRef,
			{ set: { status: "refunded", refundedAt: this.clock.now().toISOString() } },
			{ status: "captured" }
		);
		if (!refunded && !(await this.charges.findById(providerRef))) throw new UnknownChargeError(providerRef);
		return { providerRef, status: "refunded" };
	}
}
