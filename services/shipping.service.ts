/**
 * Shipping: one shipment per paid order (carrier by destination, random tracking number), moved
 * by admins from pending to shipped to delivered. Each move emits shipment.shipped or
 * shipment.delivered, on which the orders service moves the order.
 *
 * Routes: GET /shipments (own shipments, all for admins; ?orderId=), GET /shipments/:id (owner or
 * admin, others 404), PUT /shipments/:id/status (admin; {status: "shipped" | "delivered"}, 409 for
 * any other move). Events: order.paid -> create the shipment (idempotent per orderId); from the queue
 * order_paid instead of the bus when AMQP_URL is set (mixins/messaging.mixin.ts).
 */
import type { Context, Service, ServiceSchema, ServiceSettingSchema } from "moleculer";
import { ConflictError, NotFoundError } from "../lib/errors";
import { findVisible, ownerScope } from "../lib/access";
import type { DomainEvent } from "../lib/events";
import type { OrderEvents } from "../lib/orders/events";
import type { Filter, Store } from "../lib/store";
import { COLLECTIONS, type ShipmentDoc } from "../lib/shipping/collections";
import { idParams, listParams, orderIdParams, statusParams } from "../lib/shipping/params";
import { shipmentEventData, toPublicShipment, type PublicShipment } from "../lib/shipping/shape";
import { ShipmentBook } from "../lib/shipping/shipment-book";
import type { TargetStatus } from "../lib/shipping/transitions";
import { RetentionMixin } from "../mixins/retention.mixin";
import { DbMixin, type DbThis } from "../mixins/db.mixin";
import { MessagingMixin } from "../mixins/messaging.mixin";
import type { RequestMeta } from "../types/moleculer";
import { findPage } from "../lib/store/page";
import { originOf } from "../lib/tracing/origin";

type Ctx<P = Record<string, never>> = Context<P, RequestMeta>;

/** What shipping reads of order.paid (the orders' contract, lib/orders/events.ts; `redrive` set by its reconciler), each field checked. */
type OrderPaidData = Partial<OrderEvents["order.paid"]>;

interface ShippingMethods {
	shipments(): Store<ShipmentDoc>;
	cancelPending(ctx: Context, orderId: string): Promise<ShipmentDoc | null>;
	visibleShipment(ctx: Ctx<unknown>, id: string): Promise<ShipmentDoc>;
}

type ShippingThis = Service & DbThis & ShippingMethods;

const isText = (v: unknown): v is string => typeof v === "string" && v.length > 0;
const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === "object" && !Array.isArray(v);

const ShippingService: ServiceSchema<ServiceSettingSchema, ShippingMethods, DbThis, ShippingThis> = {
	name: "shipping",
	mixins: [
		// No rules of its own: it forgets the ids of events handled long ago (lib/outbox/inbox.ts).
		RetentionMixin(() => []),
		DbMixin(COLLECTIONS, { outbox: true }),
		MessagingMixin<ShippingThis>({
			// A cancelled order's shipment is called off while it is still pending (idempotent by state).
			async "shipping:order.cancelled"(ctx: Context<DomainEvent<{ orderId?: string }>>) {
				const orderId = ctx.params?.data?.orderId;
				if (isText(orderId)) await this.cancelPending(ctx, orderId);
			},
			async "shipping:order.paid"(ctx: Context<DomainEvent<OrderPaidData>>) {
				const event = ctx.params;
				const data = event?.data;
				// Idempotent by state (one shipment per orderId), so a redelivered or re-driven event creates nothing.
				if (!isText(data?.orderId) || !isText(data.userId)) {
					this.logger.warn(`order.paid ${event?.id} carries no usable order data; ignored`);
					return;
				}
				const request = {
					orderId: data.orderId,
					userId: data.userId,
					shippingAddress: isObject(data.shippingAddress) ? data.shippingAddress : {}
				};
				await this.outbox.write(async w => {
					const { shipment, created } = await new ShipmentBook(w.bind(this.shipments())).create(request);
					// A re-drive by the orders reconciler (it never heard of the shipment) is answered even
					// when the shipment exists: its first announcement may be what was lost.
					if (created || data.redrive === true) w.stage("shipment.created", shipment.id, shipmentEventData(shipment));
				}, originOf(ctx));
			}
		})
	],

	actions: {
		/** Internal (the orders reconciler): calls off the order's pending shipment; answers it as it is now, or 404. */
		cancelForOrder: {
			idempotent: true,
			visibility: "public",
			params: orderIdParams,
			async handler(this: ShippingThis, ctx: Ctx<{ orderId: string }>): Promise<PublicShipment> {
				const shipment = await this.cancelPending(ctx, ctx.params.orderId);
				if (!shipment) throw new NotFoundError("Shipment of order", ctx.params.orderId);
				return toPublicShipment(shipment);
			}
		},

		list: {
			rest: "GET /shipments",
			params: listParams,
			async handler(this: ShippingThis, ctx: Ctx<{ orderId?: string; page?: number; pageSize?: number }>) {
				const page = ctx.params.page ?? 1;
				const pageSize = ctx.params.pageSize ?? 20;
				const user = ctx.meta.user;
				const where: Filter = ownerScope(user);
				if (ctx.params.orderId) where.orderId = ctx.params.orderId;
				return findPage(this.shipments(), where, page, pageSize, toPublicShipment);
			}
		},

		get: {
			rest: "GET /shipments/:id",
			params: idParams,
			async handler(this: ShippingThis, ctx: Ctx<{ id: string }>): Promise<PublicShipment> {
				return toPublicShipment(await this.visibleShipment(ctx, ctx.params.id));
			}
		},

		/** Admin: pending -> shipped -> delivered, one step at a time (409 otherwise, also for a repeat). */
		updateStatus: {
			rest: "PUT /shipments/:id/status",
			roles: ["admin"],
			params: statusParams,
			async handler(this: ShippingThis, ctx: Ctx<{ id: string; status: TargetStatus }>): Promise<PublicShipment> {
				const shipment = await this.visibleShipment(ctx, ctx.params.id);
				const moved = await this.outbox.write(async w => {
					const after = await new ShipmentBook(w.bind(this.shipments())).move(
						shipment,
						ctx.params.status,
						ctx.meta.user?.id ?? "system"
					);
					w.stage(`shipment.${after.status}`, after.id, shipmentEventData(after));
					return after;
				}, originOf(ctx));
				return toPublicShipment(moved);
			}
		}
	},

	methods: {
		shipments(this: ShippingThis) {
			return this.store<ShipmentDoc>("shipments");
		},

		/** pending -> cancelled with its shipment.cancelled (one write); any other status is left as it is. */
		async cancelPending(this: ShippingThis, ctx: Context, orderId: string): Promise<ShipmentDoc | null> {
			const shipment = await this.shipments().findOne({ orderId });
			if (!shipment || shipment.status !== "pending") return shipment;
			return this.outbox.write(async w => {
				const shipments = w.bind(this.shipments());
				try {
					const after = await new ShipmentBook(shipments).move(shipment, "cancelled", "orders");
					w.stage("shipment.cancelled", after.id, shipmentEventData(after));
					return after;
				} catch (err) {
					// Moved on meanwhile (shipped, or cancelled by a concurrent call): it stays as it is.
					if (err instanceof ConflictError) return shipments.findById(shipment.id);
					throw err;
				}
			}, originOf(ctx));
		},

		/** The shipment if the caller may see it (owner, admin, or another service); 404 otherwise. */
		async visibleShipment(this: ShippingThis, ctx: Ctx<unknown>, id: string): Promise<ShipmentDoc> {
			return findVisible(this.shipments(), ctx.meta.user, "Shipment", id);
		}
	}
};

export default ShippingService;
