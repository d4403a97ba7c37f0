/**
 * Realtime: pushes order, payment, shipment and stock events to browsers over a WebSocket at `/ws`
 * on the gateway's own HTTP server (lib/realtime/hub.ts). It must run in the same process as the
 * `api` service: all-in-one by default, `SERVICES=api,realtime` on gateway nodes when split. On a
 * node without the gateway it serves nothing and says so.
 *
 * Domain events are `emit`ted, which delivers each to one instance per service group; these
 * handlers are declared in a group of their own per node (`realtime-<nodeID>`), so every gateway
 * node's instance receives every event and can push it to the clients connected to that node.
 *
 * Customers get the events of their own orders, payments and shipments; admins those of everyone,
 * plus inventory.low_stock, product.deleted and `product.unavailable` (a product deleted, or whose
 * available stock reached 0). Payment events name only the order: its owner is learned from the
 * order.* events (every node sees them) or, failing that, read from orders.
 */
import type { Context, Service, ServiceSchema, ServiceSettingSchema } from "moleculer";
import type { DomainEvent } from "../lib/events";
import { localGateway } from "../lib/gateway/extension-point";
import { jwtSecret } from "../lib/jwt";
import { ADMIN_EVENTS, CUSTOMER_EVENTS, STOCK_EVENTS, audienceOf, publicData } from "../lib/realtime/audience";
import { RealtimeHub, type OutgoingEvent } from "../lib/realtime/hub";
import { OrderOwners } from "../lib/realtime/owners";
import { trimOldest } from "../lib/trim-oldest";
import { realtimeSettings } from "../lib/realtime/settings";

type Data = Record<string, unknown>;
type EventCtx = Context<DomainEvent<Data>>;

interface RealtimeState {
	hub: RealtimeHub | null;
	owners: OrderOwners;
	/** product id -> when it was last announced unavailable (concurrent reservations see 0 together). */
	unavailableSent: Map<string, number>;
}

interface RealtimeMethods {
	onEvent(ctx: EventCtx): Promise<void>;
	ownerOf(type: string, data: Data, ctx: EventCtx): Promise<string | undefined>;
	checkUnavailable(ctx: EventCtx): Promise<void>;
	announceUnavailable(source: DomainEvent<Data>, productId: string, reason: "deleted" | "out_of_stock"): void;
}

type RealtimeThis = Service & RealtimeState & RealtimeMethods;

const text = (v: unknown): v is string => typeof v === "string" && v.length > 0;
const UNAVAILABLE_DEDUP_MS = 5000;

function onEvent(this: RealtimeThis, ctx: EventCtx) {
	return this.onEvent(ctx);
}

/** The handlers, in one group per node (see the file comment). */
function realtimeEvents(group: string) {
	const events: Record<string, { group: string; handler: (this: RealtimeThis, ctx: Context) => unknown }> = {};
	for (const name of [...CUSTOMER_EVENTS, ...ADMIN_EVENTS, ...STOCK_EVENTS]) events[name] = { group, handler: onEvent as never };
	// Broadcast by users on logout / password change: every node closes that session's sockets.
	events["user.session_revoked"] = {
		group,
		handler(this: RealtimeThis, ctx: Context) {
			const sid = (ctx.params as { sid?: unknown })?.sid;
			if (text(sid)) this.hub?.endSession(sid);
		}
	};
	return events;
}

const RealtimeService: ServiceSchema<ServiceSettingSchema, RealtimeMethods, RealtimeState, RealtimeThis> & {
	merged(this: Service, schema: ServiceSchema): void;
} = {
	name: "realtime",

	/** Runs before Moleculer registers the events, with the broker (and so the node id) known. */
	merged(this: Service, schema: ServiceSchema) {
		schema.events = realtimeEvents(`realtime-${this.broker.nodeID}`) as ServiceSchema["events"];
	},

	methods: {
		async onEvent(this: RealtimeThis, ctx: EventCtx) {
			const event = ctx.params;
			const type = ctx.eventName ?? "";
			const data = event?.data;
			if (!event?.id || !data || typeof data !== "object") return;
			// Learned whoever is connected: a payment event may come before anyone asks.
			if (type.startsWith("order.") && text(data.orderId) && text(data.userId)) this.owners.set(data.orderId, data.userId);
			const hub = this.hub;
			if (!hub?.hasAuthenticated()) return;
			try {
				if (type === "inventory.adjusted" || type === "inventory.reserved") return await this.checkUnavailable(ctx);
				const audience = audienceOf(type, await this.ownerOf(type, data, ctx));
				if (!audience) return;
				const message: OutgoingEvent = {
					event: type,
					id: event.id,
					time: event.time,
					subject: event.subject,
					data: publicData(data)
				};
				const sent = hub.push(audience, message);
				if (sent) this.logger.debug(`Pushed ${type} ${event.id} to ${sent} socket(s)`);
				if (type === "product.deleted" && text(event.subject)) this.announceUnavailable(event, event.subject, "deleted");
				if (type === "inventory.low_stock" && text(data.productId) && Number(data.available) <= 0)
					this.announceUnavailable(event, data.productId, "out_of_stock");
			} catch (err) {
				this.logger.warn(`Pushing ${type} ${event.id} failed:`, (err as Error).message);
			}
		},

		/** The customer an event belongs to: in its data, else (payments) the order's owner. */
		async ownerOf(this: RealtimeThis, type: string, data: Data, ctx: EventCtx) {
			if (text(data.userId)) return data.userId;
			if (!type.startsWith("payment.") || !text(data.orderId)) return undefined;
			const known = this.owners.get(data.orderId);
			// Only worth a call when a customer is connected here.
			if (known || !this.hub?.hasCustomers()) return known;
			try {
				const order = (await this.broker.call(
					"orders.get",
					{ id: data.orderId },
					{ requestID: ctx.requestID ?? undefined, meta: {} }
				)) as {
					userId?: string;
				};
				if (text(order?.userId)) this.owners.set(data.orderId, order.userId);
				return order?.userId;
			} catch (err) {
				this.logger.debug(`Owner of order ${data.orderId} unknown:`, (err as Error).message);
				return undefined;
			}
		},

		/** inventory.adjusted carries the new availability; after a reservation it is read, only when an admin listens here. */
		async checkUnavailable(this: RealtimeThis, ctx: EventCtx) {
			const event = ctx.params;
			const data = event.data;
			if (!this.hub?.hasAdmins()) return;
			if (ctx.eventName === "inventory.adjusted") {
				if (text(data.productId) && typeof data.available === "number" && data.available <= 0)
					this.announceUnavailable(event, data.productId, "out_of_stock");
				return;
			}
			const items = Array.isArray(data.items) ? (data.items as Array<{ productId?: unknown }>) : [];
			for (const { productId } of items) {
				if (!text(productId)) continue;
				const item = (await this.broker
					.call("inventory.getByProduct", { productId }, { requestID: ctx.requestID ?? undefined, meta: {} })
					.catch(() => null)) as { available?: number } | null;
				if (item && typeof item.available === "number" && item.available <= 0)
					this.announceUnavailable(event, productId, "out_of_stock");
			}
		},

		announceUnavailable(this: RealtimeThis, source: DomainEvent<Data>, productId: string, reason: "deleted" | "out_of_stock") {
			const now = Date.now();
			const last = this.unavailableSent.get(productId);
			if (reason === "out_of_stock" && last && now - last < UNAVAILABLE_DEDUP_MS) return;
			this.unavailableSent.set(productId, now);
			trimOldest(this.unavailableSent, 10_000);
			this.hub?.push(
				{ admins: true },
				{
					event: "product.unavailable",
					id: `${source.id}:unavailable:${productId}`,
					time: source.time,
					subject: productId,
					data: { productId, reason, ...(reason === "out_of_stock" ? { available: 0 } : {}) }
				}
			);
		}
	},

	created(this: RealtimeThis) {
		this.hub = null;
		this.owners = new OrderOwners();
		this.unavailableSent = new Map();
	},

	started(this: RealtimeThis) {
		// The gateway publishes its extension point when it is created, so it is there whichever service starts first.
		const gateway = localGateway(this.broker);
		if (!gateway) {
			this.logger.warn(
				"No gateway (api service) in this process: /ws is not served on this node. Run realtime beside api (SERVICES=api,realtime)."
			);
			return;
		}
		const settings = realtimeSettings();
		this.hub = new RealtimeHub({
			settings,
			secret: jwtSecret(msg => this.logger.warn(msg)),
			// The gateway's denylist of ended sessions.
			isRevoked: sid => gateway.isSessionRevoked(sid),
			logger: this.logger
		});
		this.hub.attach(gateway);
		this.logger.info(`WebSocket endpoint ${settings.path} attached to the gateway's server`);
	},

	stopped(this: RealtimeThis) {
		this.hub?.close();
		this.hub = null;
	}
};

export default RealtimeService;
