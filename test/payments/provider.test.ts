/** The simulated provider's pieces on their own: card checks, brands, test-card outcomes, retry backoff, the vault. */
import { randomUUID } from "node:crypto";
import { createStore, type Store } from "../../lib/store";
import { detectBrand, luhnValid, validateCard } from "../../lib/payments/card";
import { PAYMENT_METHODS, PROVIDER_CHARGES, type ChargeDoc, type PaymentMethodDoc } from "../../lib/payments/collections";
import { PaymentDeclinedError, PaymentProcessingError, UnknownChargeError } from "../../lib/payments/errors";
import { backoffDelay, withRetry } from "../../lib/payments/retry";
import { paymentSettings } from "../../lib/payments/settings";
import { SimulatedCardProvider } from "../../lib/payments/simulated-provider";
import { outcomeOf } from "../../lib/payments/test-cards";
import { CARDS } from "./fixtures";

const JUNE_2030 = new Date(Date.UTC(2030, 5, 15));
const fieldsOf = (fn: () => unknown): string[] => {
	try {
		fn();
	} catch (err) {
		expect((err as { code: number }).code).toBe(422);
		return ((err as { data: Array<{ field: string }> }).data ?? []).map(d => d.field);
	}
	throw new Error("expected a 422");
};

describe("card checks", () => {
	it("runs the Luhn check", () => {
		for (const number of Object.values(CARDS)) expect(luhnValid(number)).toBe(true);
		expect(luhnValid("4242424242424241")).toBe(false);
		expect(luhnValid("79927398713")).toBe(true);
	});

	it("detects brands by prefix", () => {
		expect(detectBrand("4111111111111111")).toBe("visa");
		for (const n of ["5100000000000000", "5599999999999999", "2221000000000000", "2720999999999999"])
			expect(detectBrand(n)).toBe("mastercard");
		for (const n of ["5000000000000000", "5600000000000000", "2220999999999999", "2721000000000000"])
			expect(detectBrand(n)).toBe("unknown");
		expect(detectBrand("340000000000000")).toBe("amex");
		expect(detectBrand("370000000000000")).toBe("amex");
		expect(detectBrand("6011000000000000")).toBe("unknown");
	});

	it("takes a card valid to the end of its expiry month", () => {
		const card = { cardNumber: CARDS.success, cvc: "123" };
		expect(validateCard({ ...card, expMonth: 6, expYear: 2030 }, JUNE_2030)).toMatchObject({
			brand: "visa",
			last4: "4242",
			expMonth: 6,
			expYear: 2030
		});
		expect(fieldsOf(() => validateCard({ ...card, expMonth: 5, expYear: 2030 }, JUNE_2030))).toEqual(["payment.expMonth"]);
		expect(fieldsOf(() => validateCard({ ...card, expMonth: 12, expYear: 2029 }, JUNE_2030))).toEqual(["payment.expYear"]);
		expect(validateCard({ ...card, expMonth: "01", expYear: "31" }, JUNE_2030)).toMatchObject({ expMonth: 1, expYear: 2031 });
		expect(fieldsOf(() => validateCard({ ...card, expMonth: 1.5, expYear: 2031 }, JUNE_2030))).toEqual(["payment.expMonth"]);
	});

	it("maps the test cards to their outcomes, any other card to success", () => {
		expect([CARDS.success, CARDS.declined, CARDS.insufficientFunds, CARDS.processingError, CARDS.mastercard].map(outcomeOf)).toEqual([
			"success",
			"declined",
			"insufficient_funds",
			"processing_error",
			"success"
		]);
	});
});

describe("retry", () => {
	it("backs off exponentially and stops at the attempt limit", async () => {
		const waits: number[] = [];
		const attempts: number[] = [];
		const op = jest.fn(async () => {
			throw new PaymentProcessingError();
		});
		await expect(
			withRetry(op, {
				attempts: 3,
				baseDelayMs: 50,
				isRetryable: () => true,
				onAttempt: n => void attempts.push(n),
				sleep: async ms => void waits.push(ms)
			})
		).rejects.toBeInstanceOf(PaymentProcessingError);
		expect(op).toHaveBeenCalledTimes(3);
		expect(attempts).toEqual([1, 2, 3]);
		expect(waits).toEqual([50, 100]);
		expect([1, 2, 3].map(n => backoffDelay(50, n))).toEqual([50, 100, 200]);
	});

	it("does not retry a final error", async () => {
		const op = jest.fn(async () => {
			throw new PaymentDeclinedError("declined");
		});
		await expect(
			withRetry(op, { attempts: 3, baseDelayMs: 1, isRetryable: e => (e as { retryable?: boolean }).retryable === true })
		).rejects.toMatchObject({
			reason: "declined"
		});
		expect(op).toHaveBeenCalledTimes(1);
	});

	it("reads its settings from the environment", () => {
		expect(paymentSettings({})).toEqual({ maxAttempts: 3, retryDelayMs: 50, staleAfterMs: 60_000, reannounceAfterMs: 10_000 });
		expect(paymentSettings({ PAYMENT_RETRY_DELAY_MS: "5", PAYMENT_MAX_ATTEMPTS: "5" })).toMatchObject({
			retryDelayMs: 5,
			maxAttempts: 5
		});
		expect(() => paymentSettings({ PAYMENT_RETRY_DELAY_MS: "soon" })).toThrow(/PAYMENT_RETRY_DELAY_MS/);
	});
});

describe("SimulatedCardProvider (in-memory embedded store)", () => {
	let vault: Store<PaymentMethodDoc>;
	let charges: Store<ChargeDoc>;
	let provider: SimulatedCardProvider;

	beforeAll(async () => {
		vault = createStore<PaymentMethodDoc>(PAYMENT_METHODS, { uri: null, dataDir: null, connectTimeoutMs: 1000 });
		charges = createStore<ChargeDoc>(PROVIDER_CHARGES, { uri: null, dataDir: null, connectTimeoutMs: 1000 });
		await vault.connect();
		await charges.connect();
		provider = new SimulatedCardProvider(vault, charges, { now: () => JUNE_2030 });
	});
	afterAll(async () => {
		await vault.disconnect();
		await charges.disconnect();
	});

	const card = (cardNumber: string) => ({ cardNumber, expMonth: 12, expYear: 2031, cvc: "123" });

	it("keeps brand, last4, expiry and outcome in the vault, never the number or CVC", async () => {
		const userId = randomUUID();
		const { token } = await provider.tokenize(userId, card(CARDS.insufficientFunds));
		const entry = await vault.findOne({ token });
		expect(entry).toEqual({
			id: expect.any(String),
			token,
			userId,
			brand: "visa",
			last4: "9995",
			expMonth: 12,
			expYear: 2031,
			outcome: "insufficient_funds",
			createdAt: JUNE_2030.toISOString()
		});
	});

	it("charges once per idempotency key and refunds idempotently", async () => {
		const userId = randomUUID();
		const { token } = await provider.tokenize(userId, card(CARDS.success));
		const first = await provider.charge(token, 1000, "EUR", { idempotencyKey: "order-1", userId });
		const again = await provider.charge(token, 1000, "EUR", { idempotencyKey: "order-1", userId });
		expect(again).toEqual(first);
		expect(await charges.count({ idempotencyKey: "order-1" })).toBe(1);
		await expect(provider.refund(first.providerRef)).resolves.toEqual({ providerRef: first.providerRef, status: "refunded" });
		await expect(provider.refund(first.providerRef)).resolves.toEqual({ providerRef: first.providerRef, status: "refunded" });
		await expect(provider.refund("ch_unknown")).rejects.toBeInstanceOf(UnknownChargeError);
	});

	it("throws typed errors for the failing test cards and for foreign or unknown tokens", async () => {
		const userId = randomUUID();
		const tokenOf = async (n: string) => (await provider.tokenize(userId, card(n))).token;
		await expect(provider.charge(await tokenOf(CARDS.declined), 1, "EUR")).rejects.toMatchObject({
			name: "PaymentDeclinedError",
			reason: "declined"
		});
		await expect(provider.charge(await tokenOf(CARDS.insufficientFunds), 1, "EUR")).rejects.toMatchObject({
			reason: "insufficient_funds"
		});
		await expect(provider.charge(await tokenOf(CARDS.processingError), 1, "EUR")).rejects.toMatchObject({ retryable: true });
		await expect(provider.charge(await tokenOf(CARDS.success), 1, "EUR", { userId: "someone-else" })).rejects.toMatchObject({
			reason: "declined"
		});
		await expect(provider.charge("tok_missing", 1, "EUR")).rejects.toMatchObject({ reason: "declined" });
	});
});
