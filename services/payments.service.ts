/**
 * Payments: a simulated card provider (lib/payments/), one payment per order, charged when the
 * order is confirmed and refunded when a paid order is cancelled. Card numbers and CVCs never
 * reach a collection or a log: `tokenize` swaps them for a token at once.
 *
 * Internal actions (docs/order-flow.md): tokenize, chargeOrder, refundOrder. Routes: GET /payments
 * (own payments, all for admins; ?orderId=), GET /payments/:id (owner or admin, others 404),
 * POST /payments/:id/refund (admin; 409 unless succeeded). Events: order.confirmed -> charge,
 * order.cancelled from paid (or confirmed, when a charge raced the cancel) -> refund. With AMQP_URL,
 * both come from the queues order_confirmed and payment_refund instead of the bus
 * (mixins/messaging.mixin.ts).
 */
import type { Context, Service, ServiceSchema, ServiceSettingSchema } from "moleculer";
import { NotFoundError } from "../lib/errors";
import { findVisible, ownerScope } from "../lib/access";
import type { DomainEvent } from "../lib/events";
import type { OrderEvents } from "../lib/orders/events";
import { toMinor } from "../lib/money";
import type { Filter, Store } from "../lib/store";
import type { CardInput } from "../lib/payments/card";
import { COLLECTIONS, type ChargeDoc, type PaymentDoc, type PaymentMethodDoc } from "../lib/payments/collections";
import { outcomeEventOf, paymentEventData } from "../lib/payments/event-data";
import { chargeOrderParams, idParams, listParams, orderIdParams, tokenizeParams } from "../lib/payments/params";
import { PaymentProcessor, notRefundable, type ChargeRequest, type PaymentWrite } from "../lib/payments/payment-processor";
import { toPublicPayment, type PublicPayment } from "../lib/payments/shape";
import { paymentSettings } from "../lib/payments/settings";
import { SimulatedCardProvider, type TokenizedCard } from "../lib/payments/simulated-provider";
import { RetentionMixin } from "../mixins/retention.mixin";
import { DbMixin, type DbThis } from "../mixins/db.mixin";
import { MessagingMixin } from "../mixins/messaging.mixin";
import { paymentMetrics } from "../lib/payments/metrics";
import { MetricsMixin } from "../mixins/metrics.mixin";
import type { RequestMeta } from "../types/moleculer";
import { findPage } from "../lib/store/page";
import { originOf } from "../lib/tracing/origin";

type Ctx<P = Record<string, never>> = Context<P, RequestMeta>;

/** What payments reads of the orders' events (their contract, lib/orders/events.ts), each field checked. */
type OrderConfirmedData = Partial<OrderEvents["order.confirmed"]>;
type OrderCancelledData = Partial<OrderEvents["order.cancelled"]>;

interface PaymentsState {
	provider: SimulatedCardProvider;
	processor: PaymentProcessor;
}

interface PaymentsMethods {
	payments(): Store<PaymentDoc>;
	paymentWrite(ctx: Context): PaymentWrite;
	visiblePayment(ctx: Ctx<unknown>, id: string): Promise<PaymentDoc>;
	reannounceIfLost(ctx: Context, payment: PaymentDoc): Promise<void>;
}

type PaymentsThis = Service & DbThis & PaymentsState & PaymentsMethods;

const isText = (v: unknown): v is string => typeof v === "string" && v.length > 0;

/** The charge request an order.confirmed event stands for, or null when its data is unusable. */
function chargeRequestOf(data: OrderConfirmedData | undefined): ChargeRequest | null {
	if (!data || !isText(data.orderId) || !isText(data.userId) || !isText(data.currency)) return null;
	const amountMinor = Number.isInteger(data.amountMinor) ? data.amountMinor! : typeof data.total === "number" ? toMinor(data.total) : NaN;
	if (!(amountMinor > 0)) return null;
	// A missing token is charged like an unknown one: declined, so the order does not hang.
	return {
		orderId: data.orderId,
		userId: data.userId,
		amountMinor,
		currency: data.currency,
		token: isText(data.paymentToken) ? data.paymentToken : ""
	};
}

const PaymentsService: ServiceSchema<ServiceSettingSchema, PaymentsMethods, DbThis & PaymentsState, PaymentsThis> = {
	name: "payments",
	mixins: [
		MetricsMixin(paymentMetrics()),
		// No rules of its own: it forgets the ids of events handled long ago (lib/outbox/inbox.ts).
		RetentionMixin(() => []),
		DbMixin(COLLECTIONS, { outbox: true }),
		MessagingMixin<PaymentsThis>({
			async "payments:order.confirmed"(ctx: Context<DomainEvent<OrderConfirmedData>>) {
				const event = ctx.params;
				// Idempotent by state too (one payment per orderId): a re-driven order.confirmed charges nothing twice.
				const request = chargeRequestOf(event.data);
				if (!request) {
					this.logger.warn(`order.confirmed ${event.id} carries no usable order data; ignored`);
					return;
				}
				// A failure is thrown: the order stays confirmed until the message is retried (or the reconciler re-drives it).
				const { payment, settled } = await this.processor.charge(request, this.paymentWrite(ctx));
				if (!settled) await this.reannounceIfLost(ctx, payment);
			},
			async "payments:order.cancelled"(ctx: Context<DomainEvent<OrderCancelledData>>) {
				const data = ctx.params?.data;
				// Idempotent by state: only a succeeded payment is refunded, by a conditional update.
				if (!isText(data?.orderId)) return;
				// From paid: the charge went through. From confirmed: a charge may have succeeded while the cancel was on its way.
				if (data.previousStatus !== "paid" && data.previousStatus !== "confirmed") return;
				const payment = await this.payments().findOne({
					orderId: data.orderId
				});
				if (payment?.status === "succeeded") await this.processor.refund(payment, this.paymentWrite(ctx));
			}
		})
	],

	actions: {
		/** Internal: card -> token (422 naming payment.cardNumber, payment.expMonth, payment.expYear, payment.cvc). */
		tokenize: {
			visibility: "public",
			params: tokenizeParams,
			async handler(this: PaymentsThis, ctx: Ctx<{ userId: string; card: CardInput }>): Promise<TokenizedCard> {
				return this.provider.tokenize(ctx.params.userId, ctx.params.card);
			}
		},

		/** Internal, idempotent per orderId: a repeated call answers the existing payment and charges nothing. */
		chargeOrder: {
			visibility: "public",
			params: chargeOrderParams,
			async handler(this: PaymentsThis, ctx: Ctx<ChargeRequest>): Promise<PublicPayment> {
				const { payment } = await this.processor.charge(ctx.params, this.paymentWrite(ctx));
				return toPublicPayment(payment);
			}
		},

		/** Internal, idempotent: succeeded -> refunded; already refunded answers as is; pending or failed is a 409. */
		refundOrder: {
			visibility: "public",
			params: orderIdParams,
			async handler(this: PaymentsThis, ctx: Ctx<{ orderId: string }>): Promise<PublicPayment> {
				const payment = await this.payments().findOne({
					orderId: ctx.params.orderId
				});
				if (!payment) throw new NotFoundError("Payment of order", ctx.params.orderId);
				return toPublicPayment((await this.processor.refundOrThrow(payment, this.paymentWrite(ctx))).payment);
			}
		},

		list: {
			rest: "GET /payments",
			params: listParams,
			async handler(this: PaymentsThis, ctx: Ctx<{ orderId?: string; page?: number; pageSize?: number }>) {
				const page = ctx.params.page ?? 1;
				const pageSize = ctx.params.pageSize ?? 20;
				const user = ctx.meta.user;
				const where: Filter = ownerScope(user);
				if (ctx.params.orderId) where.orderId = ctx.params.orderId;
				return findPage(this.payments(), where, page, pageSize, toPublicPayment);
			}
		},

		get: {
			rest: "GET /payments/:id",
			params: idParams,
			async handler(this: PaymentsThis, ctx: Ctx<{ id: string }>): Promise<PublicPayment> {
				return toPublicPayment(await this.visiblePayment(ctx, ctx.params.id));
			}
		},

		/**
		 * Admin: refunds a succeeded payment (the order itself is left to the orders service).
		 * A retry carrying the same Idempotency-Key answers like the first request.
		 */
		refund: {
			rest: "POST /payments/:id/refund",
			roles: ["admin"],
			params: idParams,
			async handler(this: PaymentsThis, ctx: Ctx<{ id: string }>): Promise<PublicPayment> {
				const payment = await this.visiblePayment(ctx, ctx.params.id);
				const key = ctx.meta.idempotencyKey;
				const { payment: after, settled } = await this.processor.refund(payment, this.paymentWrite(ctx), key);
				if (!settled && !(key && after.status === "refunded" && after.refundKey === key)) throw notRefundable(after);
				return toPublicPayment(after);
			}
		}
	},

	methods: {
		payments(this: PaymentsThis) {
			return this.store<PaymentDoc>("payments");
		},

		paymentWrite(this: PaymentsThis, ctx: Context): PaymentWrite {
			return work =>
				this.outbox.write(
					w => work(w.bind(this.payments()), (type, payment) => w.stage(type, payment.id, paymentEventData(type, payment))),
					originOf(ctx)
				);
		},

		/** The payment if the caller may see it (owner, admin, or another service); 404 otherwise. */
		async visiblePayment(this: PaymentsThis, ctx: Ctx<unknown>, id: string): Promise<PaymentDoc> {
			return findVisible(this.payments(), ctx.meta.user, "Payment", id);
		},

		/**
		 * A re-driven order.confirmed (the orders reconciler found the order still confirmed) for a
		 * payment settled a while ago means its outcome event was lost: announce it again. The
		 * orders service handles it idempotently. A duplicate arriving right away announces nothing.
		 */
		async reannounceIfLost(this: PaymentsThis, ctx: Context, payment: PaymentDoc) {
			const type = outcomeEventOf(payment);
			if (type !== "payment.succeeded" && type !== "payment.failed") return;
			if (Date.now() - Date.parse(payment.updatedAt) < paymentSettings().reannounceAfterMs) return;
			this.logger.info(`Order ${payment.orderId} was confirmed again; announcing ${type} of payment ${payment.id} again`);
			await this.paymentWrite(ctx)(async (_payments, stage) => stage(type, payment));
		}
	},

	async started(this: PaymentsThis) {
		// Fail fast on a bad setting.
		paymentSettings();
		this.provider = new SimulatedCardProvider(
			this.store<PaymentMethodDoc>("payment_methods"),
			this.store<ChargeDoc>("provider_charges")
		);
		this.processor = new PaymentProcessor(this.payments(), this.provider, () => paymentSettings(), this.logger);
	}
};

export default PaymentsService;
