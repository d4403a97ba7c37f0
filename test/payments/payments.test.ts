/**
 * The payments service through its contract: the internal tokenize/chargeOrder/refundOrder
 * actions, the order events it consumes and emits (docs/order-flow.md), and its routes over real
 * HTTP through the gateway. Real broker with the api, payments and shipping services on the
 * embedded store; order events are emitted in the envelope of lib/events.ts, and a probe service
 * records what the payments service emits.
 */
import fs from "node:fs";
import { DatabaseSync } from "node:sqlite";
import path from "node:path";
import { randomUUID } from "node:crypto";
import { client, type Client } from "../helpers/http";
import { startStack, type Stack } from "../helpers/stack";
import { CARDS, confirmOrder, EXPIRY, leaves, paymentsService, tokenize, type ConfirmedOrder } from "./fixtures";
import { accessToken, attachProbe, emitOrderEvent, settle, type Probe } from "./support";

const RETRY_DELAY_MS = 20;

describe("payments service", () => {
	let stack: Stack;
	let api: Client;
	let probe: Probe;
	const admin = accessToken(randomUUID(), ["admin"]);

	beforeAll(async () => {
		stack = await startStack({ services: ["api", "payments", "shipping"], env: { PAYMENT_RETRY_DELAY_MS: String(RETRY_DELAY_MS) } });
		api = client(stack.baseUrl);
		probe = await attachProbe(stack.broker, ["payment.succeeded", "payment.failed", "payment.refunded"]);
	});
	afterAll(() => stack.stop());
	afterEach(() => jest.restoreAllMocks());

	/** The payment of an order as its owner sees it over HTTP. */
	async function paymentOf(order: ConfirmedOrder) {
		const r = await api.get(`/api/v1/payments?orderId=${order.orderId}`, { token: accessToken(order.userId) });
		expect(r.status).toBe(200);
		expect(r.body.items).toHaveLength(1);
		return r.body.items[0];
	}

	async function paidOrder(): Promise<ConfirmedOrder & { paymentId: string }> {
		const order = await confirmOrder(stack.broker, CARDS.success);
		const event = await probe.next("payment.succeeded", order.orderId);
		return { ...order, paymentId: event.data.paymentId };
	}

	describe("tokenize", () => {
		it.each([
			[CARDS.success, "visa", "4242"],
			["5105105105105100", "mastercard", "5100"],
			["2223003122003222", "mastercard", "3222"],
			[CARDS.amex, "amex", "0005"],
			["6011111111111117", "unknown", "1117"],
			["4242 4242 4242 4242", "visa", "4242"]
		])("turns %s into an opaque token, brand %s, last4 %s", async (cardNumber, brand, last4) => {
			const t = await tokenize(stack.broker, randomUUID(), cardNumber);
			expect(t).toEqual({ token: expect.stringMatching(/^tok_[\w-]{20,}$/), brand, last4 });
			expect(t.token).not.toContain(cardNumber.replace(/\s/g, "").slice(0, 8));
		});

		const now = new Date();
		const thisYear = now.getUTCFullYear();
		const card = (patch: Record<string, unknown>) => ({ cardNumber: CARDS.success, ...EXPIRY, cvc: "123", ...patch });
		const invalid: Array<[string, Record<string, unknown>, string[]]> = [
			["letters in the number", card({ cardNumber: "4242abcd42424242" }), ["payment.cardNumber"]],
			["a number too short", card({ cardNumber: "42424242424" }), ["payment.cardNumber"]],
			["a number too long", card({ cardNumber: "42424242424242424242" }), ["payment.cardNumber"]],
			["a failing Luhn check", card({ cardNumber: "4242424242424241" }), ["payment.cardNumber"]],
			["no number", card({ cardNumber: undefined }), ["payment.cardNumber"]],
			["month 13", card({ expMonth: 13 }), ["payment.expMonth"]],
			["month 0", card({ expMonth: 0 }), ["payment.expMonth"]],
			["a past year", card({ expYear: thisYear - 1 }), ["payment.expYear"]],
			["a year that is no number", card({ expYear: "soon" }), ["payment.expYear"]],
			["a CVC of 2 digits", card({ cvc: "12" }), ["payment.cvc"]],
			["a CVC of 5 digits", card({ cvc: "12345" }), ["payment.cvc"]],
			["a CVC with letters", card({ cvc: "12a" }), ["payment.cvc"]],
			[
				"everything wrong",
				{ cardNumber: "1234", expMonth: 99, expYear: 1999, cvc: "" },
				["payment.cardNumber", "payment.expMonth", "payment.expYear", "payment.cvc"]
			]
		];
		// A month earlier this year is in the past, unless it is January.
		if (now.getUTCMonth() > 0)
			invalid.push(["a past month this year", card({ expMonth: now.getUTCMonth(), expYear: thisYear }), ["payment.expMonth"]]);

		it.each(invalid)("refuses %s with a 422 naming the field, without echoing the card", async (_label, badCard, fields) => {
			const err: any = await stack.broker.call("payments.tokenize", { userId: randomUUID(), card: badCard }).catch(e => e);
			expect(err).toMatchObject({ code: 422, type: "VALIDATION_ERROR" });
			expect(err.data.map((d: { field: string }) => d.field).sort()).toEqual([...fields].sort());
			const text = JSON.stringify({ message: err.message, data: err.data });
			if (typeof badCard.cardNumber === "string" && badCard.cardNumber.length > 4) expect(text).not.toContain(badCard.cardNumber);
		});

		it("accepts this month of this year, and a two-digit year", async () => {
			const month = new Date().getUTCMonth() + 1;
			await expect(
				stack.broker.call("payments.tokenize", { userId: "u", card: card({ expMonth: month, expYear: thisYear }) })
			).resolves.toHaveProperty("token");
			await expect(
				stack.broker.call("payments.tokenize", { userId: "u", card: card({ expMonth: "07", expYear: (thisYear + 2) % 100 }) })
			).resolves.toHaveProperty("token");
		});

		it("refuses unknown card fields (strict params)", async () => {
			const err: any = await stack.broker
				.call("payments.tokenize", { userId: "u", card: { ...card({}), holder: "Ann" } })
				.catch(e => e);
			expect(err.code).toBe(422);
		});
	});

	describe("charging confirmed orders", () => {
		it("4242424242424242 succeeds: payment.succeeded with the order-flow data", async () => {
			const order = await confirmOrder(stack.broker, CARDS.success, { amountMinor: 1999 });
			const event = await probe.next("payment.succeeded", order.orderId);
			expect(event).toMatchObject({
				specversion: "1.0",
				source: "payments",
				type: "payment.succeeded",
				subject: event.data.paymentId
			});
			expect(event.data).toEqual({
				orderId: order.orderId,
				paymentId: expect.any(String),
				amount: 19.99,
				currency: "EUR",
				brand: "visa",
				last4: "4242"
			});
			const payment = await paymentOf(order);
			expect(payment).toEqual({
				id: event.data.paymentId,
				orderId: order.orderId,
				userId: order.userId,
				amount: 19.99,
				currency: "EUR",
				status: "succeeded",
				brand: "visa",
				last4: "4242",
				attempts: 1,
				createdAt: expect.any(String),
				updatedAt: expect.any(String)
			});
		});

		it.each([
			[CARDS.declined, "declined", 1],
			[CARDS.insufficientFunds, "insufficient_funds", 1],
			[CARDS.processingError, "processing_error", 3]
		])("%s fails with %s after %i attempt(s): payment.failed", async (cardNumber, reason, attempts) => {
			const order = await confirmOrder(stack.broker, cardNumber);
			const event = await probe.next("payment.failed", order.orderId);
			expect(event.data).toEqual({ orderId: order.orderId, paymentId: expect.any(String), reason });
			expect(probe.of("payment.succeeded", order.orderId)).toHaveLength(0);
			expect(await paymentOf(order)).toMatchObject({
				id: event.data.paymentId,
				status: "failed",
				failureReason: reason,
				attempts,
				last4: cardNumber.slice(-4)
			});
		});

		it("any other valid card succeeds", async () => {
			const order = await confirmOrder(stack.broker, CARDS.mastercard);
			expect((await probe.next("payment.succeeded", order.orderId)).data).toMatchObject({ brand: "mastercard", last4: "4444" });
		});

		it("retries a processing error with exponential backoff before failing it", async () => {
			const charge = jest.spyOn(paymentsService(stack.broker).provider, "charge");
			const started = Date.now();
			const order = await confirmOrder(stack.broker, CARDS.processingError);
			await probe.next("payment.failed", order.orderId);
			// 3 attempts: waits of 20 and 40 ms between them.
			expect(Date.now() - started).toBeGreaterThanOrEqual(RETRY_DELAY_MS * 3 - 5);
			expect(charge).toHaveBeenCalledTimes(3);
			expect(await paymentOf(order)).toMatchObject({ attempts: 3, failureReason: "processing_error" });
		});

		it("declines a token that is unknown or belongs to someone else", async () => {
			const { token } = await tokenize(stack.broker, randomUUID(), CARDS.success);
			const someoneElses = {
				orderId: randomUUID(),
				userId: randomUUID(),
				total: 10,
				currency: "EUR",
				amountMinor: 1000,
				paymentToken: token
			};
			const unknown = { ...someoneElses, orderId: randomUUID(), paymentToken: "tok_nope" };
			for (const data of [someoneElses, unknown]) {
				await emitOrderEvent(stack.broker, "order.confirmed", data);
				expect((await probe.next("payment.failed", data.orderId)).data.reason).toBe("declined");
			}
		});

		it("answers chargeOrder with the payment, never the token or card", async () => {
			const userId = randomUUID();
			const { token } = await tokenize(stack.broker, userId, CARDS.success);
			const payment: any = await stack.broker.call("payments.chargeOrder", {
				orderId: randomUUID(),
				userId,
				amountMinor: 500,
				currency: "USD",
				token
			});
			expect(payment).toMatchObject({ status: "succeeded", amount: 5, currency: "USD", attempts: 1 });
			expect(Object.keys(payment).sort()).toEqual([
				"amount",
				"attempts",
				"brand",
				"createdAt",
				"currency",
				"id",
				"last4",
				"orderId",
				"status",
				"updatedAt",
				"userId"
			]);
			expect(JSON.stringify(payment)).not.toContain(token);
		});
	});

	describe("refunds", () => {
		it("refunds the payment when a paid order is cancelled: payment.refunded", async () => {
			const order = await paidOrder();
			await emitOrderEvent(stack.broker, "order.cancelled", {
				orderId: order.orderId,
				userId: order.userId,
				reason: "customer",
				previousStatus: "paid",
				total: 49.99,
				currency: "EUR"
			});
			const event = await probe.next("payment.refunded", order.orderId);
			expect(event.data).toEqual({ orderId: order.orderId, paymentId: order.paymentId, amount: 49.99, currency: "EUR" });
			expect(await paymentOf(order)).toMatchObject({ status: "refunded", refundedAt: expect.any(String) });
		});

		it("leaves payments alone for orders cancelled before they were paid", async () => {
			const failed = await confirmOrder(stack.broker, CARDS.declined);
			await probe.next("payment.failed", failed.orderId);
			const cancel = (orderId: string, previousStatus: string) =>
				emitOrderEvent(stack.broker, "order.cancelled", {
					orderId,
					userId: failed.userId,
					reason: "payment_failed",
					previousStatus,
					total: 1,
					currency: "EUR"
				});
			await cancel(failed.orderId, "confirmed");
			await cancel(randomUUID(), "pending");
			await settle();
			expect(probe.of("payment.refunded", failed.orderId)).toHaveLength(0);
			expect(await paymentOf(failed)).toMatchObject({ status: "failed" });
		});

		it("refunds a payment that succeeded while its confirmed order was being cancelled", async () => {
			const order = await paidOrder();
			await emitOrderEvent(stack.broker, "order.cancelled", {
				orderId: order.orderId,
				userId: order.userId,
				reason: "customer",
				previousStatus: "confirmed",
				total: 49.99,
				currency: "EUR"
			});
			await probe.next("payment.refunded", order.orderId);
			expect(await paymentOf(order)).toMatchObject({ status: "refunded" });
		});

		it("POST /payments/:id/refund: admin only, refunds a succeeded payment, 409 otherwise", async () => {
			const order = await paidOrder();
			const url = `/api/v1/payments/${order.paymentId}/refund`;
			expect((await api.post(url)).status).toBe(401);
			const customer = await api.post(url, undefined, { token: accessToken(order.userId) });
			expect(customer.status).toBe(403);

			const first = await api.post(url, undefined, { token: admin });
			expect(first.status).toBe(200);
			expect(first.body).toMatchObject({ id: order.paymentId, status: "refunded", refundedAt: expect.any(String) });
			expect((await probe.next("payment.refunded", order.orderId)).data.paymentId).toBe(order.paymentId);

			const again = await api.post(url, undefined, { token: admin });
			expect(again.status).toBe(409);
			expect(again.body.error).toMatchObject({ type: "PAYMENT_NOT_REFUNDABLE", code: 409, data: { status: "refunded" } });

			const declined = await confirmOrder(stack.broker, CARDS.declined);
			const failed = await probe.next("payment.failed", declined.orderId);
			const notPaid = await api.post(`/api/v1/payments/${failed.data.paymentId}/refund`, undefined, { token: admin });
			expect(notPaid.status).toBe(409);
			expect(notPaid.body.error.data).toEqual({ status: "failed" });

			expect((await api.post(`/api/v1/payments/${randomUUID()}/refund`, undefined, { token: admin })).status).toBe(404);
			await settle();
			expect(probe.of("payment.refunded", order.orderId)).toHaveLength(1);
		});

		it("answers a retried refund with the same Idempotency-Key like the first one", async () => {
			const order = await paidOrder();
			const url = `/api/v1/payments/${order.paymentId}/refund`;
			const headers = { "idempotency-key": `refund-${order.paymentId}` };
			const first = await api.post(url, undefined, { token: admin, headers });
			const retry = await api.post(url, undefined, { token: admin, headers });
			expect(first.status).toBe(200);
			expect(retry.status).toBe(200);
			expect(retry.body).toEqual(first.body);
			const other = await api.post(url, undefined, { token: admin, headers: { "idempotency-key": "another" } });
			expect(other.status).toBe(409);
			await settle();
			expect(probe.of("payment.refunded", order.orderId)).toHaveLength(1);
		});
	});

	describe("reading payments", () => {
		it("shows a payment to its owner and admins; to anyone else it does not exist", async () => {
			const order = await paidOrder();
			const url = `/api/v1/payments/${order.paymentId}`;
			expect((await api.get(url)).status).toBe(401);
			const own = await api.get(url, { token: accessToken(order.userId) });
			expect(own.status).toBe(200);
			expect(own.body).toMatchObject({ id: order.paymentId, orderId: order.orderId, status: "succeeded" });
			expect((await api.get(url, { token: admin })).body.id).toBe(order.paymentId);
			const other = await api.get(url, { token: accessToken(randomUUID()) });
			expect(other.status).toBe(404);
			expect(other.body.error).toMatchObject({ type: "NOT_FOUND", code: 404 });
			expect((await api.get(`/api/v1/payments/${randomUUID()}`, { token: admin })).status).toBe(404);
		});

		it("lists a customer's own payments only, every payment for admins, filtered by orderId", async () => {
			const userId = randomUUID();
			const a = await confirmOrder(stack.broker, CARDS.success, { userId });
			const b = await confirmOrder(stack.broker, CARDS.declined, { userId });
			const stranger = await paidOrder();
			await probe.next("payment.succeeded", a.orderId);
			await probe.next("payment.failed", b.orderId);

			const mine = await api.get("/api/v1/payments", { token: accessToken(userId) });
			expect(mine.status).toBe(200);
			expect(mine.body).toMatchObject({ total: 2, page: 1, pageSize: 20 });
			expect(mine.body.items.map((p: any) => p.orderId).sort()).toEqual([a.orderId, b.orderId].sort());

			const notMine = await api.get(`/api/v1/payments?orderId=${stranger.orderId}`, { token: accessToken(userId) });
			expect(notMine.body).toMatchObject({ items: [], total: 0 });

			const all = await api.get("/api/v1/payments?pageSize=100", { token: admin });
			expect(all.body.total).toBeGreaterThanOrEqual(3);
			const byOrder = await api.get(`/api/v1/payments?orderId=${stranger.orderId}`, { token: admin });
			expect(byOrder.body.items.map((p: any) => p.id)).toEqual([stranger.paymentId]);

			const paged = await api.get("/api/v1/payments?page=2&pageSize=1", { token: accessToken(userId) });
			expect(paged.body).toMatchObject({ total: 2, page: 2, pageSize: 1 });
			expect(paged.body.items).toHaveLength(1);

			expect((await api.get("/api/v1/payments?status=x", { token: admin })).status).toBe(422);
		});

		it("never shows a card number, a token or the provider reference", async () => {
			const order = await paidOrder();
			const bodies = [
				(await api.get(`/api/v1/payments/${order.paymentId}`, { token: admin })).body,
				(await api.get(`/api/v1/payments?orderId=${order.orderId}`, { token: admin })).body
			];
			for (const body of bodies) {
				const text = JSON.stringify(body);
				expect(text).not.toContain(CARDS.success);
				expect(text).not.toContain(order.token);
				expect(text).not.toMatch(/providerRef|ch_[0-9a-f]{24}|token/);
			}
		});
	});

	it("writes no card number and no CVC to its data files", async () => {
		const cvc = "9073";
		await stack.broker.call("payments.tokenize", { userId: randomUUID(), card: { cardNumber: CARDS.mastercard, ...EXPIRY, cvc } });
		await paidOrder();
		const files = fs.readdirSync(path.join(stack.dataDir, "payments")).map(f => path.join(stack.dataDir, "payments", f));
		const bytes = files.map(file => fs.readFileSync(file, "latin1")).join("\n");
		for (const number of Object.values(CARDS)) expect(bytes).not.toContain(number);
		// Every value of every row of the service's database, JSON columns walked to their leaves.
		const db = new DatabaseSync(path.join(stack.dataDir, "payments", "store.sqlite"), { readOnly: true });
		const values: unknown[] = [];
		try {
			for (const { name } of db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>) {
				for (const row of db.prepare(`SELECT * FROM "${name}"`).all()) {
					for (const cell of Object.values(row)) {
						values.push(cell);
						if (typeof cell === "string" && /^[[{]/.test(cell)) values.push(JSON.parse(cell));
					}
				}
			}
		} finally {
			db.close();
		}
		// The vault entry of that card is stored (so this is the live database), without the number or the CVC.
		expect(JSON.stringify(values)).toMatch(/4444/);
		for (const value of values) {
			for (const [field, leaf] of leaves(value)) {
				expect({ field, isCvc: String(leaf) === cvc }).toEqual({ field, isCvc: false });
			}
		}
	});
});
