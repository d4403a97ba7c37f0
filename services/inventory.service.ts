/**
 * Inventory: on-hand, reserved and available stock per product, order reservations (all or
 * nothing, idempotent per orderId), the movement ledger and low-stock alerts. Routes are relative
 * to /api/v1; the gateway enforces `auth` and `roles`. The domain lives in lib/inventory/ (see
 * reservations.ts for the concurrency and crash-recovery rules); this file wires it to actions
 * and events.
 *
 * Consumes product.created (creates the item), order.created (reserves), order.cancelled from
 * confirmed|paid (releases), order.shipped (commits). Emits inventory.created|adjusted|reserved|
 * reservation_failed|released|committed|low_stock (data as in docs/order-flow.md). With a broker
 * configured, the work comes from it instead of the bus (mixins/messaging.mixin.ts): a Kafka topic
 * for product.created, RabbitMQ queues for the order events (the inventory:* entries of CONSUMERS,
 * lib/messaging/routes.ts).
 */
import type { Context, Service, ServiceSchema, ServiceSettingSchema } from "moleculer";
import { ConflictError, NotFoundError, invalidField } from "../lib/errors";
import type { DomainEvent } from "../lib/events";
import type { Store } from "../lib/store";
import {
	COLLECTIONS,
	itemsCollection,
	movementsCollection,
	reservationsCollection,
	type ItemDoc,
	type MovementDoc,
	type ReservationDoc
} from "../lib/inventory/collections";
import { loadConfig } from "../lib/config";
import { SYSTEM_ACTOR } from "../lib/inventory/constants";
import { recordAudit, registerAuditMetrics } from "../lib/inventory/audit-metrics";
import { auditStock, type AuditResult } from "../lib/inventory/stock-audit";
import {
	onOrderCancelled,
	onOrderCreated,
	onOrderShipped,
	onProductCreated,
	type OrderCancelledData,
	type OrderCreatedData,
	type OrderShippedData,
	type ProductCreatedData
} from "../lib/inventory/event-handlers";
import { createInventory, type Inventory } from "../lib/inventory/inventory";
import type { OpContext } from "../lib/inventory/op-context";
import type { OrderLine } from "../lib/inventory/order-lines";
import {
	adjustParams,
	checkParams,
	createParams,
	historyParams,
	idParams,
	listParams,
	orderIdParams,
	productIdParams,
	reserveParams,
	updateParams
} from "../lib/inventory/params";
import { assertProductExists } from "../lib/inventory/product-exists";
import { toPublicItem, toPublicMovement } from "../lib/inventory/shape";
import { RetentionMixin } from "../mixins/retention.mixin";
import { DbMixin, type DbThis } from "../mixins/db.mixin";
import { MessagingMixin } from "../mixins/messaging.mixin";
import { inventoryMetrics } from "../lib/inventory/metrics";
import { MetricsMixin } from "../mixins/metrics.mixin";
import type { RequestMeta } from "../types/moleculer";
import { findPage } from "../lib/store/page";
import { originOf } from "../lib/tracing/origin";

type Meta = RequestMeta & { $location?: string };
type Ctx<P = Record<string, never>> = Context<P, Meta>;
type EventCtx<T> = Context<DomainEvent<T>, Meta>;

interface InventoryState {
	inv?: Inventory;
	auditTimer?: NodeJS.Timeout;
	auditing?: Promise<AuditResult>;
}

interface InventoryMethods {
	inventory(): Inventory;
	runStockAudit(actor: string): Promise<AuditResult>;
	orderStatus(ctx: Ctx<unknown>, orderId: string): Promise<string | null>;
	op(ctx: Ctx<unknown>): OpContext;
	handleEvent<T>(ctx: EventCtx<T>, handler: (inv: Inventory, op: OpContext, data: T) => Promise<void>): Promise<void>;
}

type InventoryThis = Service & DbThis & InventoryState & InventoryMethods;

const InventoryService: ServiceSchema<ServiceSettingSchema, InventoryMethods, DbThis & InventoryState, InventoryThis> = {
	name: "inventory",
	mixins: [
		MetricsMixin(inventoryMetrics()),
		// No rules of its own: it forgets the ids of events handled long ago (lib/outbox/inbox.ts).
		RetentionMixin(() => []),
		DbMixin(COLLECTIONS, { outbox: true }),
		MessagingMixin<InventoryThis>({
			"inventory:product.created"(ctx: EventCtx<ProductCreatedData>) {
				return this.handleEvent(ctx, onProductCreated);
			},
			"inventory:order.created"(ctx: EventCtx<OrderCreatedData>) {
				return this.handleEvent(ctx, onOrderCreated);
			},
			"inventory:order.cancelled"(ctx: EventCtx<OrderCancelledData>) {
				return this.handleEvent(ctx, onOrderCancelled);
			},
			"inventory:order.shipped"(ctx: EventCtx<OrderShippedData>) {
				return this.handleEvent(ctx, onOrderShipped);
			}
		})
	],

	created(this: InventoryThis) {
		registerAuditMetrics(this.broker);
	},

	async started(this: InventoryThis) {
		const { stockAuditIntervalMs } = loadConfig();
		if (stockAuditIntervalMs <= 0) return;
		const audit = () =>
			void this.runStockAudit(SYSTEM_ACTOR).catch((err: Error) => this.logger.warn("Stock audit failed:", err.message));
		// The first audit soon after start (not during it), then periodically.
		this.auditTimer = setTimeout(
			function again(this: InventoryThis) {
				audit();
				this.auditTimer = setTimeout(again.bind(this), stockAuditIntervalMs).unref();
			}.bind(this),
			Math.min(5_000, stockAuditIntervalMs)
		).unref();
	},

	async stopped(this: InventoryThis) {
		clearTimeout(this.auditTimer);
		await this.auditing?.catch(() => undefined);
	},

	actions: {
		/**
		 * 409 when the product already has an item: the unique productId decides under concurrency, and a
		 * retried POST answers 409. 422 naming productId when no product has that id.
		 */
		create: {
			rest: "POST /inventory",
			roles: ["admin"],
			params: createParams,
			async handler(this: InventoryThis, ctx: Ctx<{ productId: string; onHand: number; lowStockThreshold?: number }>) {
				const { productId, onHand, lowStockThreshold } = ctx.params;
				await assertProductExists(ctx, productId);
				const item = await this.inventory().stock.create(this.op(ctx), productId, onHand, lowStockThreshold);
				ctx.meta.$statusCode = 201;
				ctx.meta.$location = `/api/v1/inventory/${item.id}`;
				return toPublicItem(item);
			}
		},

		/** `lowStock=true`: items at or below their threshold (the alert latch), `false`: the others. */
		list: {
			rest: "GET /inventory",
			roles: ["admin"],
			params: listParams,
			async handler(this: InventoryThis, ctx: Ctx<{ page: number; pageSize: number; lowStock?: boolean }>) {
				const { page, pageSize, lowStock } = ctx.params;
				const where = lowStock === undefined ? {} : { lowStockAlerted: lowStock };
				const items = this.inventory().stock.items;
				return findPage(items, where, page, pageSize, toPublicItem);
			}
		},

		/** Public: whether a quantity of a product can be ordered now (a snapshot, not a hold). */
		check: {
			rest: "GET /inventory/check",
			auth: "public",
			params: checkParams,
			async handler(this: InventoryThis, ctx: Ctx<{ productId: string; quantity: number }>) {
				const { productId, quantity } = ctx.params;
				const item = await this.inventory().stock.byProduct(productId);
				return { productId, quantity, available: item.available, sufficient: item.available >= quantity };
			}
		},

		get: {
			rest: "GET /inventory/:id",
			roles: ["admin"],
			params: idParams,
			async handler(this: InventoryThis, ctx: Ctx<{ id: string }>) {
				return toPublicItem(await this.inventory().stock.byId(ctx.params.id));
			}
		},

		/**
		 * Sets onHand (optimistic, retried on a concurrent change; 409 below the reserved quantity)
		 * and/or the threshold (idempotent). A retried request with the same values changes nothing more.
		 */
		update: {
			rest: "PUT /inventory/:id",
			roles: ["admin"],
			params: updateParams,
			async handler(this: InventoryThis, ctx: Ctx<{ id: string; onHand?: number; lowStockThreshold?: number }>) {
				const { id, onHand, lowStockThreshold } = ctx.params;
				if (onHand === undefined && lowStockThreshold === undefined) {
					throw invalidField("onHand", "Give 'onHand', 'lowStockThreshold' or both.", "required");
				}
				const { stock } = this.inventory();
				const op = this.op(ctx);
				let item = await stock.byId(id);
				if (onHand !== undefined) item = await stock.setOnHand(op, id, onHand, "set by admin");
				if (lowStockThreshold !== undefined) item = await stock.setThreshold(op, id, lowStockThreshold);
				return toPublicItem(item);
			}
		},

		/** Newest first. */
		history: {
			rest: "GET /inventory/:id/history",
			roles: ["admin"],
			params: historyParams,
			async handler(this: InventoryThis, ctx: Ctx<{ id: string; page: number; pageSize: number }>) {
				const { id, page, pageSize } = ctx.params;
				const inv = this.inventory();
				await inv.stock.byId(id);
				const { docs, total } = await inv.movements.page(id, (page - 1) * pageSize, pageSize);
				return { items: docs.map(toPublicMovement), total, page, pageSize };
			}
		},

		/**
		 * The admin's door to reserveOrder, for a pending order only (404 for no order, 409 for one the
		 * flow moved on): units held for an order that does not exist would never come back.
		 */
		reserve: {
			rest: "POST /inventory/reserve",
			roles: ["admin"],
			params: reserveParams,
			async handler(this: InventoryThis, ctx: Ctx<{ orderId: string; items: OrderLine[] }>) {
				const status = await this.orderStatus(ctx, ctx.params.orderId);
				if (status === null) throw new NotFoundError("Order", ctx.params.orderId);
				if (status !== "pending")
					throw new ConflictError(
						`Order ${ctx.params.orderId} is ${status}; only a pending order is reserved`,
						"ORDER_NOT_PENDING",
						{
							orderId: ctx.params.orderId,
							status
						}
					);
				return this.inventory().reservations.reserve(this.op(ctx), ctx.params.orderId, ctx.params.items);
			}
		},

		/**
		 * The admin's door to releaseOrder, for an order that is cancelled or does not exist: the stock of
		 * a live order comes back by cancelling it (PUT /orders/{id}/status), else it would be shipped
		 * with no units held (409).
		 */
		release: {
			rest: "POST /inventory/release",
			roles: ["admin"],
			params: orderIdParams,
			async handler(this: InventoryThis, ctx: Ctx<{ orderId: string }>) {
				const status = await this.orderStatus(ctx, ctx.params.orderId);
				if (status !== null && status !== "cancelled")
					throw new ConflictError(
						`Order ${ctx.params.orderId} is ${status}; cancel it (PUT /orders/{id}/status) and its stock comes back`,
						"ORDER_HOLDS_STOCK",
						{ orderId: ctx.params.orderId, status }
					);
				return this.inventory().reservations.release(this.op(ctx), ctx.params.orderId);
			}
		},

		/**
		 * Internal: changes onHand by `delta` (or to `onHand`); 409 INSUFFICIENT_STOCK when it would
		 * drop below the reserved quantity or 0. Not idempotent by itself: callers must not retry a
		 * call that reached the handler (the broker's retry policy only retries calls that did not).
		 */
		adjust: {
			params: adjustParams,
			async handler(this: InventoryThis, ctx: Ctx<{ productId: string; delta?: number; onHand?: number; reason?: string }>) {
				const { productId, delta, onHand, reason } = ctx.params;
				if ((delta === undefined) === (onHand === undefined))
					throw invalidField("delta", "Give exactly one of 'delta' or 'onHand'.", "oneOf");
				const { stock } = this.inventory();
				const op = this.op(ctx);
				const item = await stock.byProduct(productId);
				const why = reason || "adjustment";
				const after =
					delta !== undefined ? await stock.adjust(op, item, delta, why) : await stock.setOnHand(op, item.id, onHand!, why);
				return toPublicItem(after);
			}
		},

		/** Internal: `{ status: "reserved" | "failed", productId? }`, idempotent per orderId. */
		reserveOrder: {
			idempotent: true,
			params: reserveParams,
			async handler(this: InventoryThis, ctx: Ctx<{ orderId: string; items: OrderLine[] }>) {
				return this.inventory().reservations.reserve(this.op(ctx), ctx.params.orderId, ctx.params.items);
			}
		},

		/** Internal: `{ status }`; idempotent (released stays released; failed had nothing to give back). */
		releaseOrder: {
			idempotent: true,
			params: orderIdParams,
			async handler(this: InventoryThis, ctx: Ctx<{ orderId: string }>) {
				return this.inventory().reservations.release(this.op(ctx), ctx.params.orderId);
			}
		},

		/** Internal: `{ status }`; idempotent (committed stays committed). */
		commitOrder: {
			idempotent: true,
			params: orderIdParams,
			async handler(this: InventoryThis, ctx: Ctx<{ orderId: string }>) {
				return this.inventory().reservations.commit(this.op(ctx), ctx.params.orderId);
			}
		},

		/**
		 * Runs the stock audit now (it also runs at start and every STOCK_AUDIT_INTERVAL_MS): units an
		 * item holds that no live reservation lists are given back. Answers what it found and repaired;
		 * a call while an audit runs answers that audit's result.
		 */
		audit: {
			rest: "POST /inventory/audit",
			roles: ["admin"],
			async handler(this: InventoryThis, ctx: Ctx) {
				return this.runStockAudit(ctx.meta.user?.id ?? SYSTEM_ACTOR);
			}
		},

		/** Internal: the item of a product, or 404. */
		getByProduct: {
			idempotent: true,
			params: productIdParams,
			async handler(this: InventoryThis, ctx: Ctx<{ productId: string }>) {
				return toPublicItem(await this.inventory().stock.byProduct(ctx.params.productId));
			}
		}
	},

	methods: {
		inventory(this: InventoryThis) {
			this.inv ??= createInventory(
				{
					items: this.store<ItemDoc>(itemsCollection.name) as Store<ItemDoc>,
					reservations: this.store<ReservationDoc>(reservationsCollection.name) as Store<ReservationDoc>,
					movements: this.store<MovementDoc>(movementsCollection.name) as Store<MovementDoc>
				},
				{ logger: this.logger, transaction: work => this.outbox.write(work) }
			);
			return this.inv;
		},

		/** The order's status as orders answers it, or null when there is no such order. */
		async orderStatus(this: InventoryThis, ctx: Ctx<unknown>, orderId: string): Promise<string | null> {
			try {
				return ((await ctx.call("orders.get", { id: orderId })) as { status: string }).status;
			} catch (err) {
				if ((err as { type?: string }).type === "NOT_FOUND") return null;
				throw err;
			}
		},

		runStockAudit(this: InventoryThis, actor: string): Promise<AuditResult> {
			if (this.auditing) return this.auditing;
			const { stock, movements } = this.inventory();
			const op: OpContext = { actor, emit: async () => undefined };
			const reservations = this.store<ReservationDoc>(reservationsCollection.name) as Store<ReservationDoc>;
			this.auditing = auditStock({ items: stock.items, reservations, movements }, op, item => stock.lowStock.checkRise(item))
				.then(result => {
					recordAudit(this.broker, result);
					if (result.repairedItems || result.shortItems)
						this.logger.warn(
							`Stock audit: gave back ${result.releasedUnits} unit(s) on ${result.repairedItems} item(s) that no reservation held; ` +
								`${result.shortItems} item(s) hold fewer units than their reservations list; ${result.skippedItems} changed meanwhile (next audit)`
						);
					return result;
				})
				.finally(() => (this.auditing = undefined));
			return this.auditing;
		},

		op(this: InventoryThis, ctx: Ctx<unknown>): OpContext {
			return {
				actor: ctx.meta.user?.id ?? SYSTEM_ACTOR,
				emit: (type, subject, data) => this.outbox.stage(type, subject, data, originOf(ctx))
			};
		},

		/**
		 * Runs an event handler on the envelope's data. A redelivered event is skipped by the messaging
		 * mixin (lib/outbox/inbox.ts); a failure is thrown to it, which logs it (bus) or retries the
		 * message (broker), so a redelivery or the orders reconciler's re-drive can complete what failed.
		 */
		async handleEvent<T>(this: InventoryThis, ctx: EventCtx<T>, handler: (inv: Inventory, op: OpContext, data: T) => Promise<void>) {
			await handler(this.inventory(), this.op(ctx), ctx.params.data);
		}
	}
};

export default InventoryService;
