/**
 * Payments idempotency and card-data safety on each store the payments service may run on: the
 * embedded SQLite store and PostgreSQL (a fresh database per run, dropped afterwards; skipped on a
 * laptop without the server, a failure in CI). Real broker with the real services; order events
 * are emitted in the envelope of lib/events.ts and the emitted events are caught by a probe service.
 */
import { randomUUID } from "node:crypto";
import { createTestDatabase, PG_HOST, PG_PORT, type TestDatabase } from "../helpers/postgres";
import { describeWithServer } from "../helpers/servers";
import { startStack, type Stack } from "../helpers/stack";
import { allStoredDocuments, CARDS, confirmOrder, EXPIRY, leaves, paymentsService, tokenize } from "./fixtures";
import { attachProbe, emitOrderEvent, eventually, settle, type Probe } from "./support";

const PAYMENT_EVENTS = ["payment.succeeded", "payment.failed", "payment.refunded"];

interface Target {
	env: Record<string, string>;
	cleanup(): Promise<void>;
}

function idempotencySuite(open: () => Promise<Target>) {
	let stack: Stack;
	let probe: Probe;
	let target: Target;

	const payments = () => paymentsService(stack.broker).stores.payments;
	const charges = () => paymentsService(stack.broker).stores.provider_charges;

	beforeAll(async () => {
		target = await open();
		stack = await startStack({ services: ["api", "payments", "shipping"], env: { PAYMENT_RETRY_DELAY_MS: "5", ...target.env } });
		probe = await attachProbe(stack.broker, PAYMENT_EVENTS);
	});
	afterAll(async () => {
		await stack?.stop();
		await target?.cleanup();
	});
	afterEach(() => jest.restoreAllMocks());

	it("charges an order confirmed twice (same event, also concurrently) once: one payment, one charge, one event", async () => {
		const charge = jest.spyOn(paymentsService(stack.broker).provider, "charge");
		const userId = randomUUID();
		const orderId = randomUUID();
		const { token } = await tokenize(stack.broker, userId, CARDS.success);
		const data = { orderId, userId, total: 49.99, currency: "EUR", amountMinor: 4999, paymentToken: token };
		const event = await emitOrderEvent(stack.broker, "order.confirmed", data);
		await Promise.all([stack.broker.emit("order.confirmed", event), stack.broker.emit("order.confirmed", event)]);
		await probe.next("payment.succeeded", orderId);
		// A re-drive with a new envelope right away (the reconciler, another node) changes nothing either.
		await emitOrderEvent(stack.broker, "order.confirmed", data);
		await settle();

		expect(await payments().count({ orderId })).toBe(1);
		expect(await charges().count({ idempotencyKey: orderId })).toBe(1);
		expect(charge).toHaveBeenCalledTimes(1);
		expect(probe.of("payment.succeeded", orderId)).toHaveLength(1);
		expect(probe.of("payment.failed", orderId)).toHaveLength(0);
		const payment = await payments().findOne({ orderId });
		expect(payment).toMatchObject({ status: "succeeded", attempts: 1, amountMinor: 4999, brand: "visa", last4: "4242" });
	});

	it("answers concurrent chargeOrder calls for one order with the same payment, charged once", async () => {
		const charge = jest.spyOn(paymentsService(stack.broker).provider, "charge");
		const userId = randomUUID();
		const orderId = randomUUID();
		const { token } = await tokenize(stack.broker, userId, CARDS.mastercard);
		const params = { orderId, userId, amountMinor: 1250, currency: "EUR", token };
		const answers: any[] = await Promise.all(Array.from({ length: 5 }, () => stack.broker.call("payments.chargeOrder", params)));
		await settle();

		expect(new Set(answers.map(a => a.id)).size).toBe(1);
		expect(charge).toHaveBeenCalledTimes(1);
		expect(await payments().count({ orderId })).toBe(1);
		expect(probe.of("payment.succeeded", orderId)).toHaveLength(1);
		const again: any = await stack.broker.call("payments.chargeOrder", params);
		expect(again).toMatchObject({ id: answers[0].id, status: "succeeded", amount: 12.5, brand: "mastercard", last4: "4444" });
		expect(charge).toHaveBeenCalledTimes(1);
	});

	it("fails a declined order once, however often it is confirmed", async () => {
		const order = await confirmOrder(stack.broker, CARDS.declined);
		await probe.next("payment.failed", order.orderId);
		await emitOrderEvent(stack.broker, "order.confirmed", order.data);
		await settle();
		expect(probe.of("payment.failed", order.orderId)).toHaveLength(1);
		expect(await payments().findOne({ orderId: order.orderId })).toMatchObject({
			status: "failed",
			failureReason: "declined",
			attempts: 1
		});
	});

	it("retries a processing error 3 times, then fails it with processing_error, and does not retry it again", async () => {
		const order = await confirmOrder(stack.broker, CARDS.processingError);
		const failed = await probe.next("payment.failed", order.orderId);
		expect(failed.data).toEqual({ orderId: order.orderId, paymentId: expect.any(String), reason: "processing_error" });
		await emitOrderEvent(stack.broker, "order.confirmed", order.data);
		await settle();
		expect(await payments().findOne({ orderId: order.orderId })).toMatchObject({
			status: "failed",
			failureReason: "processing_error",
			attempts: 3
		});
		expect(probe.of("payment.failed", order.orderId)).toHaveLength(1);
	});

	it("refunds a paid order cancelled twice once: one refund event, the charge refunded", async () => {
		const order = await confirmOrder(stack.broker, CARDS.success);
		await probe.next("payment.succeeded", order.orderId);
		const cancelled = {
			orderId: order.orderId,
			userId: order.userId,
			reason: "admin",
			previousStatus: "paid",
			total: 49.99,
			currency: "EUR"
		};
		await Promise.all([
			emitOrderEvent(stack.broker, "order.cancelled", cancelled),
			emitOrderEvent(stack.broker, "order.cancelled", cancelled)
		]);
		const refunded = await probe.next("payment.refunded", order.orderId);
		await settle();
		const payment = await payments().findOne({ orderId: order.orderId });
		expect(refunded.data).toEqual({ orderId: order.orderId, paymentId: payment!.id, amount: 49.99, currency: "EUR" });
		expect(probe.of("payment.refunded", order.orderId)).toHaveLength(1);
		expect(payment).toMatchObject({ status: "refunded", refundedAt: expect.any(String) });
		expect(await charges().findById(payment!.providerRef as string)).toMatchObject({ status: "refunded" });
		// The internal action is idempotent too.
		await expect(stack.broker.call("payments.refundOrder", { orderId: order.orderId })).resolves.toMatchObject({ status: "refunded" });
		expect(probe.of("payment.refunded", order.orderId)).toHaveLength(1);
	});

	it("charges a payment left pending by a charger that died, once it is stale, and only then", async () => {
		const charge = jest.spyOn(paymentsService(stack.broker).provider, "charge");
		// The service warns when it takes over a stale payment; keep the test output quiet.
		const warn = jest.spyOn(console, "warn").mockImplementation(() => undefined);
		const userId = randomUUID();
		const { token } = await tokenize(stack.broker, userId, CARDS.success);
		const recent = new Date(Date.now() - 5_000).toISOString();
		const old = new Date(Date.now() - 5 * 60_000).toISOString();
		const base = { userId, amountMinor: 700, currency: "EUR", status: "pending", attempts: 1 };
		const fresh = await payments().insert({ ...base, orderId: randomUUID(), createdAt: recent, updatedAt: recent });
		const stale = await payments().insert({ ...base, orderId: randomUUID(), createdAt: old, updatedAt: old });
		for (const p of [fresh, stale]) {
			await emitOrderEvent(stack.broker, "order.confirmed", {
				orderId: p.orderId as string,
				userId,
				total: 7,
				currency: "EUR",
				amountMinor: 700,
				paymentToken: token
			});
		}
		await probe.next("payment.succeeded", stale.orderId as string);
		await settle();
		expect(await payments().findById(stale.id)).toMatchObject({ status: "succeeded", attempts: 2 });
		expect(await payments().findById(fresh.id)).toMatchObject({ status: "pending", attempts: 1, updatedAt: recent });
		expect(charge).toHaveBeenCalledTimes(1);
		expect(probe.of("payment.succeeded", fresh.orderId as string)).toHaveLength(0);
		expect(warn.mock.calls.map(c => c.join(" ")).join("\n")).toContain(
			`Payment ${stale.id} of order ${stale.orderId} was left pending`
		);
	});

	it("announces a settled outcome again when the order is re-driven long after (its event was lost)", async () => {
		const order = await confirmOrder(stack.broker, CARDS.insufficientFunds);
		await probe.next("payment.failed", order.orderId);
		process.env.PAYMENT_REANNOUNCE_AFTER_MS = "0";
		try {
			await emitOrderEvent(stack.broker, "order.confirmed", order.data);
			await eventually(() => probe.of("payment.failed", order.orderId).length === 2, "the second payment.failed");
		} finally {
			delete process.env.PAYMENT_REANNOUNCE_AFTER_MS;
		}
		const [first, second] = probe.of("payment.failed", order.orderId);
		expect(second.data).toEqual(first.data);
		expect(second.data.reason).toBe("insufficient_funds");
		expect(await payments().count({ orderId: order.orderId })).toBe(1);
		expect(await payments().findOne({ orderId: order.orderId })).toMatchObject({ attempts: 1 });
	});

	it("stores no card number and no CVC in any collection of the payments service", async () => {
		const cvc = "8613";
		const numbers = Object.values(CARDS);
		for (const number of numbers)
			await stack.broker.call("payments.tokenize", { userId: randomUUID(), card: { cardNumber: number, ...EXPIRY, cvc } });
		const order = await confirmOrder(stack.broker, CARDS.amex);
		await probe.next("payment.succeeded", order.orderId);

		const docs = await allStoredDocuments(stack.broker);
		// The outbox and the handled-event ids are looked through too: events must not carry a card either.
		const collections = [...new Set(docs.map(d => d.collection))];
		expect(collections).toEqual(expect.arrayContaining(["payments", "payment_methods", "provider_charges"]));
		for (const c of collections)
			expect(["payments", "payment_methods", "provider_charges", "payments_outbox", "payments_handled_events"]).toContain(c);
		expect(docs.filter(d => d.collection === "payment_methods").length).toBeGreaterThanOrEqual(numbers.length);
		for (const { collection, doc } of docs) {
			const text = JSON.stringify(doc);
			for (const number of numbers) expect(text).not.toContain(number);
			for (const [path, value] of leaves(doc)) {
				expect({ collection, path, isCvc: String(value) === cvc }).toEqual({ collection, path, isCvc: false });
				expect(path).not.toMatch(/cvc|cardNumber/i);
			}
		}
	});
}

describe("payments idempotency on the embedded SQLite store", () => {
	idempotencySuite(async () => ({ env: {}, cleanup: async () => undefined }));
});

describeWithServer(
	"PostgreSQL",
	PG_HOST,
	PG_PORT
)("payments idempotency on PostgreSQL", () => {
	idempotencySuite(async () => {
		const db: TestDatabase = await createTestDatabase("payments");
		return { env: { DB_URI: db.uri }, cleanup: () => db.drop() };
	});
});
