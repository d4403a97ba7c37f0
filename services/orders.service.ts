/**
 * Orders: the order aggregate and its side of the checkout choreography (docs/order-flow.md).
 * POST /orders prices the order on the server, swaps the card for a token and stores it pending,
 * then emits order.created; inventory, payments and shipping answer with events that move it on
 * (lib/orders/flow-handlers.ts) through one state machine (lib/orders/order-state.ts). A
 * reconciler re-drives orders stuck in pending or confirmed (lib/orders/reconciler.ts).
 *
 * Routes (relative to /api/v1): POST /orders, GET /orders, GET /orders/:id, GET /orders/user/:userId,
 * PUT /orders/:id/status (admin), DELETE /orders/:id (cancel). Owner or admin only; others get 404.
 * Internal actions: create (also used by carts' checkout), reconcile, byIdempotencyKey.
 * With AMQP_URL, the events of the flow come from their RabbitMQ queues (the orders:* entries of
 * CONSUMERS, lib/messaging/routes.ts) instead of the bus (mixins/messaging.mixin.ts).
 */
import type { Context, Service, ServiceSchema, ServiceSettingSchema } from "moleculer";
import { NotFoundError, UnauthorizedError } from "../lib/errors";
import type { DomainEvent } from "../lib/events";
import type { Store } from "../lib/store";
import { canSee, isAdmin } from "../lib/access";
import { adminTransition } from "../lib/orders/admin-status";
import { ordersCollection, type OrderDoc, type OrderStatus } from "../lib/orders/collections";
import { SOURCE } from "../lib/orders/constants";
import { orderCreatedData, transitionEvent } from "../lib/orders/event-data";
import {
	onInventoryReserved,
	onPaymentFailed,
	onPaymentRefunded,
	onPaymentSucceeded,
	onReservationFailed,
	onShipmentDelivered,
	onShipmentCreated,
	onShipmentShipped,
	type FlowDeps
} from "../lib/orders/flow-handlers";
import { buildListQuery, type ListParams } from "../lib/orders/list-query";
import { transitionOrder, type TransitionRequest, type TransitionResult } from "../lib/orders/order-state";
import { toPublicOrder, type PublicOrder } from "../lib/orders/shape";
import {
	byIdempotencyKeyParams,
	createParams,
	idParams,
	listByUserParams,
	listParams,
	reconcileParams,
	updateStatusParams
} from "../lib/orders/params";
import { placeOrder, storedIdempotencyKey, type PlaceOrderDeps, type PlaceOrderInput } from "../lib/orders/place-order";
import type { CatalogProduct } from "../lib/orders/pricing";
import { reconcileOnce, type ReconcileResult } from "../lib/orders/reconciler";
import { compensateOnce, type CompensationResult, type CompensationSteps, type StepOutcome } from "../lib/orders/compensation";
import { orderSettings } from "../lib/orders/settings";
import { RetentionMixin } from "../mixins/retention.mixin";
import { DbMixin, type DbThis } from "../mixins/db.mixin";
import { MessagingMixin, type ConsumerHandler } from "../mixins/messaging.mixin";
import { brokerMetrics } from "../lib/metrics/broker-metrics";
import { orderMetrics } from "../lib/orders/metrics";
import { originOf } from "../lib/tracing/origin";
import { MetricsMixin } from "../mixins/metrics.mixin";
import type { RequestMeta } from "../types/moleculer";

type Meta = RequestMeta & { $location?: string };
type Ctx<P = Record<string, never>> = Context<P, Meta>;
type EventCtx<T> = Context<DomainEvent<T>, Meta>;
type CreateParams = Omit<PlaceOrderInput, "userId" | "idempotencyKey">;

interface OrdersState {
	reconcileTimer?: NodeJS.Timeout;
	reconciling?: boolean;
}

interface OrdersMethods {
	orders(): Store<OrderDoc>;
	findVisible(ctx: Ctx<unknown>, id: string): Promise<OrderDoc>;
	list(
		ctx: Ctx<unknown>,
		params: ListParams,
		userId?: string
	): Promise<{ items: PublicOrder[]; total: number; page: number; pageSize: number }>;
	placeDeps(ctx: Ctx<unknown>): PlaceOrderDeps;
	flowDeps(ctx: Context): FlowDeps;
	transition(ctx: Context, id: string, req: TransitionRequest): Promise<TransitionResult>;
	handleEvent<T>(ctx: EventCtx<T>, handler: (deps: FlowDeps, data: T, by: string) => Promise<void>): Promise<void>;
	reconcile(olderThanMs?: number, limit?: number): Promise<ReconcileResult & { cancelled: CompensationResult }>;
	compensationSteps(): CompensationSteps;
}

type OrdersThis = Service & DbThis & OrdersState & OrdersMethods;

/** A flow handler as the consumer of the event that moves an order on. */
const consumer = (handler: (deps: FlowDeps, data: { orderId: string }, by: string) => Promise<void>): ConsumerHandler<OrdersThis> =>
	function (ctx: EventCtx<{ orderId: string }>) {
		return this.handleEvent(ctx, handler);
	};

const OrdersService: ServiceSchema<ServiceSettingSchema, OrdersMethods, DbThis & OrdersState, OrdersThis> = {
	name: "orders",
	mixins: [
		MetricsMixin<OrdersThis>(orderMetrics(), brokerMetrics()),
		// No rules of its own: it forgets the ids of events handled long ago (lib/outbox/inbox.ts).
		RetentionMixin(() => []),
		DbMixin([ordersCollection], { outbox: true }),
		MessagingMixin<OrdersThis>({
			"orders:inventory.reserved": consumer(onInventoryReserved),
			"orders:inventory.reservation_failed": consumer(onReservationFailed),
			"orders:payment.succeeded": consumer(onPaymentSucceeded),
			"orders:payment.failed": consumer(onPaymentFailed),
			"orders:payment.refunded": consumer(onPaymentRefunded),
			"orders:shipment.created": consumer(onShipmentCreated),
			"orders:shipment.shipped": consumer(onShipmentShipped),
			"orders:shipment.delivered": consumer(onShipmentDelivered)
		})
	],

	actions: {
		/**
		 * 201 with the pending order. With an Idempotency-Key, a repeat by the same user answers the
		 * first order (201 again, header Idempotent-Replayed: true) and places nothing.
		 */
		create: {
			rest: "POST /orders",
			params: createParams,
			async handler(this: OrdersThis, ctx: Ctx<CreateParams>): Promise<PublicOrder> {
				const user = ctx.meta.user;
				if (!user) throw new UnauthorizedError();
				const { order, created } = await placeOrder(this.placeDeps(ctx), {
					...ctx.params,
					userId: user.id,
					idempotencyKey: ctx.meta.idempotencyKey
				});
				ctx.meta.$statusCode = 201;
				ctx.meta.$location = `/api/v1/orders/${order.id}`;
				if (!created) {
					ctx.meta.$responseHeaders = { ...ctx.meta.$responseHeaders, "Idempotent-Replayed": "true" };
					return toPublicOrder(order);
				}
				return toPublicOrder(order);
			}
		},

		/** Customers see their own orders, admins all. */
		list: {
			rest: "GET /orders",
			params: listParams,
			async handler(this: OrdersThis, ctx: Ctx<ListParams>) {
				const user = ctx.meta.user;
				return this.list(ctx, ctx.params, user && !isAdmin(user) ? user.id : undefined);
			}
		},

		/** Self or admin; anyone else gets 404 (as if the user had no orders route). */
		listByUser: {
			rest: "GET /orders/user/:userId",
			params: listByUserParams,
			async handler(this: OrdersThis, ctx: Ctx<ListParams & { userId: string }>) {
				const { userId, ...params } = ctx.params;
				if (!canSee(ctx.meta.user, userId)) throw new NotFoundError("User", userId);
				return this.list(ctx, params, userId);
			}
		},

		get: {
			rest: "GET /orders/:id",
			params: idParams,
			async handler(this: OrdersThis, ctx: Ctx<{ id: string }>): Promise<PublicOrder> {
				return toPublicOrder(await this.findVisible(ctx, ctx.params.id));
			}
		},

		/** Admin: cancel (reason "admin" by default), shipped, delivered; 409 for an illegal move. */
		updateStatus: {
			rest: "PUT /orders/:id/status",
			roles: ["admin"],
			params: updateStatusParams,
			async handler(this: OrdersThis, ctx: Ctx<{ id: string; status: OrderStatus; reason?: string }>): Promise<PublicOrder> {
				const current = await this.findVisible(ctx, ctx.params.id);
				const by = ctx.meta.user?.id ?? SOURCE;
				const request = adminTransition(current.id, current.status, ctx.params.status, by, ctx.params.reason);
				const { order } = await this.transition(ctx, current.id, request);
				return toPublicOrder(order);
			}
		},

		/**
		 * The owner cancels (reason "customer"; an admin cancelling someone else's order: "admin")
		 * while the order is pending, confirmed or paid; 409 once shipped (or already cancelled).
		 * Answers 200 with the cancelled order.
		 */
		cancel: {
			rest: "DELETE /orders/:id",
			params: idParams,
			async handler(this: OrdersThis, ctx: Ctx<{ id: string }>): Promise<PublicOrder> {
				const current = await this.findVisible(ctx, ctx.params.id);
				const user = ctx.meta.user;
				const byOwner = !user || user.id === current.userId;
				const { order } = await this.transition(ctx, current.id, {
					to: "cancelled",
					by: user?.id ?? SOURCE,
					cancelReason: byOwner ? "customer" : "admin"
				});
				return toPublicOrder(order);
			}
		},

		/** Internal: one reconciler pass now; `olderThanMs` overrides ORDER_STUCK_AFTER_MS. */
		reconcile: {
			visibility: "public",
			params: reconcileParams,
			async handler(this: OrdersThis, ctx: Context<{ olderThanMs?: number; limit?: number }>) {
				return this.reconcile(ctx.params.olderThanMs, ctx.params.limit);
			}
		},

		/** Internal (carts' checkout retried after the cart was emptied): the order a user's key placed, or 404. */
		byIdempotencyKey: {
			idempotent: true,
			visibility: "public",
			params: byIdempotencyKeyParams,
			async handler(this: OrdersThis, ctx: Context<{ userId: string; key: string }>): Promise<PublicOrder> {
				const order = await this.orders().findOne({ idempotencyKey: storedIdempotencyKey(ctx.params.userId, ctx.params.key)! });
				if (!order) throw new NotFoundError("Order");
				return toPublicOrder(order);
			}
		}
	},

	methods: {
		orders(this: OrdersThis) {
			return this.store<OrderDoc>(ordersCollection.name);
		},

		async findVisible(this: OrdersThis, ctx: Ctx<unknown>, id: string) {
			const order = await this.orders().findById(id);
			if (!order || !canSee(ctx.meta.user, order.userId)) throw new NotFoundError("Order", id);
			return order;
		},

		async list(this: OrdersThis, _ctx: Ctx<unknown>, params: ListParams, userId?: string) {
			const q = buildListQuery(params, userId);
			// Every customer's orders (an admin's list) are read off the event loop where the store can.
			const { docs, total } = await this.orders().findWithTotal(
				{ where: q.where, sort: q.sort, offset: q.offset, limit: q.limit },
				{ background: !userId }
			);
			return { items: docs.map(toPublicOrder), total, page: q.page, pageSize: q.pageSize };
		},

		placeDeps(this: OrdersThis, ctx: Ctx<unknown>): PlaceOrderDeps {
			// Answers of other services about "not found" become nulls; everything else propagates.
			const nullOn404 = <T>(p: Promise<T>): Promise<T | null> =>
				p.catch(err => {
					if ((err as { code?: number }).code === 404) return null;
					throw err;
				});
			return {
				store: this.orders(),
				insert: doc =>
					this.outbox.write(async w => {
						const order = await w.bind(this.orders()).insert(doc);
						w.stage("order.created", order.id, orderCreatedData(order));
						return order;
					}, originOf(ctx)),
				userExists: async userId => {
					const r = (await ctx.call("users.verify", { id: userId })) as { exists?: boolean; active?: boolean };
					return !!r?.exists && r.active !== false;
				},
				getProduct: productId => nullOn404(ctx.call("products.get", { id: productId }) as Promise<CatalogProduct>),
				getAddress: (userId, addressId) =>
					nullOn404(ctx.call("users.getAddress", { userId, addressId }) as Promise<Record<string, unknown>>),
				tokenize: (userId, card) => ctx.call("payments.tokenize", { userId, card })
			};
		},

		flowDeps(this: OrdersThis, ctx: Context): FlowDeps {
			return {
				store: this.orders(),
				transition: (orderId, req) => this.transition(ctx, orderId, req),
				releaseStock: orderId => ctx.call("inventory.releaseOrder", { orderId }),
				refundPayment: orderId => ctx.call("payments.refundOrder", { orderId }),
				logger: this.logger
			};
		},

		/** The only way an order moves: the transition (order-state.ts) and its order.* event in one write. */
		transition(this: OrdersThis, ctx: Context, id: string, req: TransitionRequest): Promise<TransitionResult> {
			// A cancelled order is owed its compensation until the reconciler saw it settled (lib/orders/compensation.ts);
			// one that never got stock (out of stock) is owed nothing.
			const owed = req.to === "cancelled" && req.cancelReason !== "out_of_stock";
			const move: TransitionRequest = owed
				? { ...req, extra: order => ({ ...req.extra?.(order), compensationDueAt: new Date().toISOString() }) }
				: req;
			return this.outbox.write(async w => {
				const result = await transitionOrder(w.bind(this.orders()), id, move);
				const { type, data } = transitionEvent(result.order, result.previousStatus);
				w.stage(type, result.order.id, data);
				return result;
			}, originOf(ctx));
		},

		/**
		 * Runs a flow handler on the envelope's data. Idempotent by state (see flow-handlers.ts). A
		 * failure is thrown to the messaging mixin, which logs it without failing the emitter (bus) or
		 * retries the message (broker); a failed order is picked up again by a redelivery or the reconciler.
		 */
		async handleEvent<T>(this: OrdersThis, ctx: EventCtx<T>, handler: (deps: FlowDeps, data: T, by: string) => Promise<void>) {
			const event = ctx.params;
			const data = event?.data as (T & { orderId?: unknown }) | undefined;
			if (!data || typeof data.orderId !== "string" || !data.orderId) {
				this.logger.warn(`${ctx.eventName} ${event?.id ?? ""} carries no orderId; ignored`);
				return;
			}
			await handler(this.flowDeps(ctx), data, event.source || "system");
		},

		/** The reconciler's questions about a cancelled order, each idempotent, each answering done or later. */
		compensationSteps(this: OrdersThis): CompensationSteps {
			const ask = async (action: string, orderId: string, done: (answer: unknown) => boolean): Promise<StepOutcome> => {
				try {
					return done(await this.broker.call(action, { orderId })) ? "done" : "later";
				} catch (err) {
					// No reservation, payment or shipment for the order: nothing to give back. (A service that
					// is not up answers 404 too, as SERVICE_NOT_FOUND: that one is asked again later.)
					if ((err as { type?: string }).type === "NOT_FOUND") return "done";
					// A payment that failed (nothing was taken) needs no refund; one still pending does, later.
					const status = (err as { data?: { status?: string } }).data?.status;
					if ((err as { type?: string }).type === "PAYMENT_NOT_REFUNDABLE" && status === "failed") return "done";
					this.logger.warn(`Compensating order ${orderId}: ${action} answered ${(err as Error).message}; asking again later`);
					return "later";
				}
			};
			return {
				releaseStock: id =>
					ask("inventory.releaseOrder", id, r => ["released", "failed"].includes((r as { status?: string }).status ?? "")),
				refundPayment: id => ask("payments.refundOrder", id, r => (r as { status?: string }).status === "refunded"),
				cancelShipment: id => ask("shipping.cancelForOrder", id, r => (r as { status?: string }).status !== "pending")
			};
		},

		async reconcile(this: OrdersThis, olderThanMs?: number, limit?: number) {
			const settings = orderSettings();
			const result = await reconcileOnce(
				this.orders(),
				async (type, order, data) => {
					this.logger.info(
						`Reconciler: order ${order.id} is still ${order.status} since ${order.updatedAt}; emitting ${type} again`
					);
					await this.outbox
						.stage(type, order.id, data)
						.catch((err: Error) => this.logger.error(`Re-driving order ${order.id} failed:`, err.message));
				},
				{ olderThanMs: olderThanMs ?? settings.stuckAfterMs, limit: limit ?? settings.reconcileBatch }
			);
			if (result.orderIds.length)
				this.logger.info(
					`Reconciler re-drove ${result.pending} pending, ${result.confirmed} confirmed and ${result.paid} unshipped paid order(s)`
				);
			const compensated = await compensateOnce(this.orders(), this.compensationSteps(), {
				olderThanMs: olderThanMs ?? settings.stuckAfterMs,
				limit: limit ?? settings.reconcileBatch
			});
			if (compensated.scanned)
				this.logger.info(
					`Reconciler checked ${compensated.scanned} cancelled order(s): ${compensated.settled} settled, ${compensated.pending} to ask again`
				);
			return { ...result, cancelled: compensated };
		}
	},

	async started(this: OrdersThis) {
		const { reconcileIntervalMs } = orderSettings();
		if (!reconcileIntervalMs) return;
		this.reconcileTimer = setInterval(() => {
			if (this.reconciling) return;
			this.reconciling = true;
			this.reconcile()
				.catch((err: Error) => this.logger.warn("Reconciler pass failed:", err.message))
				.finally(() => (this.reconciling = false));
		}, reconcileIntervalMs);
		this.reconcileTimer.unref();
	},

	async stopped(this: OrdersThis) {
		if (this.reconcileTimer) clearInterval(this.reconcileTimer);
		this.reconcileTimer = undefined;
	}
};

export default OrdersService;
