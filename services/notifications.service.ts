/**
 * Notifications: the mails of the order flow (confirmed, paid, shipped, delivered, cancelled, to the
 * customer) and low-stock alerts (to ADMIN_EMAIL and every admin). Every message is stored first
 * (lib/notifications/collections.ts), then sent in the background with retries and backoff
 * (lib/notifications/delivery.ts) over SMTP_URL, or appended to an mbox file under DATA_DIR/mail
 * without it (lib/notifications/mailer.ts). Event handlers only record and schedule: a slow or
 * broken mail server never holds up or fails the order flow.
 *
 * Routes (relative to /api/v1): GET /notifications (own; admins all, with filters), GET
 * /notifications/:id (owner or admin, others 404), POST /notifications/test (admin; {to}).
 * Emits notification.sent | notification.failed. Internal: sweepRetention (lib/notifications/retention.ts).
 *
 * Low stock arrives as the `inventory.low_stock` bus event. `handleLowStock(event)` is the handler
 * for any other source (the Redis stream consumer when REDIS_URL is set); a source that takes over
 * sets `lowStockFromBus = false`. Both are safe together: alerts are keyed by the event's id.
 */
import type { Context, Service, ServiceSchema, ServiceSettingSchema, Span } from "moleculer";
import { loadConfig } from "../lib/config";
import { NotFoundError } from "../lib/errors";
import { canSee, ownerScope } from "../lib/access";
import type { DomainEvent } from "../lib/events";
import { newId } from "../lib/ids";
import { DuplicateKeyError, type Filter, type Store } from "../lib/store";
import { notificationsCollection, type NotificationDoc } from "../lib/notifications/collections";
import { Delivery, type NewNotification } from "../lib/notifications/delivery";
import { createMailer, type Mailer } from "../lib/notifications/mailer";
import { idParams, listParams, testParams, type ListParams } from "../lib/notifications/params";
import { notificationRetention } from "../lib/notifications/retention";
import { notificationSettings } from "../lib/notifications/settings";
import { toPublicNotification, type PublicNotification } from "../lib/notifications/shape";
import {
	isOrderEvent,
	lowStockNotifications,
	orderNotifications,
	type Directory,
	type LowStockData,
	type OrderEventData
} from "../lib/notifications/sources";
import { templates } from "../lib/notifications/templates";
import type { Address, OrderLine } from "../lib/notifications/templates/layout";
import { TtlCache } from "../lib/notifications/ttl-cache";
import { DbMixin, type DbThis } from "../mixins/db.mixin";
import { MessagingMixin, type MessagingThis } from "../mixins/messaging.mixin"; // issue 4: low stock from the Redis stream
import { RetentionMixin } from "../mixins/retention.mixin";
import { notificationMetrics } from "../lib/notifications/metrics";
import { MetricsMixin } from "../mixins/metrics.mixin";
import type { RequestMeta } from "../types/moleculer";
import { findPage } from "../lib/store/page";
import { settledData } from "../lib/notifications/events";

/** Reading recipients can fail while another node is away: the event is processed again this often. */
const PROCESS_ATTEMPTS = 4;
const PROCESS_RETRY_MS = 1000;

type Ctx<P = Record<string, never>> = Context<P, RequestMeta & { $location?: string }>;
type EventCtx<T> = Context<DomainEvent<T>, RequestMeta>;

interface NotificationsState {
	delivery: Delivery;
	mailer: Mailer;
	sweepTimer?: NodeJS.Timeout;
	/** Consecutive mails about one order read the same customer, order and admins: kept a minute. */
	cache: { customers: TtlCache<{ email: string; name?: string } | null>; orders: TtlCache<OrderDetails>; admins: TtlCache<string[]> };
	/** False once another source (the Redis stream) feeds handleLowStock instead of the bus. */
	lowStockFromBus: boolean;
}

interface NotificationsMethods {
	notifications(): Store<NotificationDoc>;
	directory(requestID?: string | null, span?: Span | null): Directory;
	notify(list: NewNotification[]): Promise<NotificationDoc[]>;
	processEvent(what: string, build: () => Promise<NewNotification[]>): Promise<void>;
	onOrderEvent(ctx: EventCtx<OrderEventData>): Promise<void>;
	handleLowStock(event: DomainEvent<LowStockData>, ctx?: Context): Promise<void>;
	visible(ctx: Ctx<unknown>, id: string): Promise<NotificationDoc>;
}

type NotificationsThis = Service & DbThis & NotificationsState & NotificationsMethods & MessagingThis;
type OrderDetails = Awaited<ReturnType<Directory["order"]>>;

const isClientError = (err: unknown) => {
	const code = (err as { code?: unknown })?.code;
	return typeof code === "number" && code >= 400 && code < 500;
};
const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

function orderEventHandler(this: NotificationsThis, ctx: EventCtx<OrderEventData>) {
	return this.onOrderEvent(ctx);
}

const NotificationsService: ServiceSchema<ServiceSettingSchema, NotificationsMethods, DbThis & NotificationsState, NotificationsThis> = {
	name: "notifications",
	mixins: [
		MetricsMixin(notificationMetrics()),
		// Sent bodies, old records and old mbox files (lib/notifications/retention.ts); action sweepRetention.
		// Before DbMixin, so a sweep under way ends before the stores close.
		RetentionMixin<NotificationsThis>(function () {
			return notificationRetention(this.notifications(), loadConfig());
		}),
		DbMixin([notificationsCollection], { outbox: true }),
		// Issue 4 (messaging): with REDIS_URL, low-stock alerts are read from the Redis stream of its CONSUMERS entry
		// (lib/messaging/routes.ts; XREADGROUP/XACK, stale entries reclaimed: lib/messaging/redis.ts).
		MessagingMixin<NotificationsThis>({
			"notifications:inventory.low_stock": {
				bus: false,
				handler(ctx: EventCtx<LowStockData>) {
					return this.handleLowStock(ctx.params, ctx);
				}
			}
		})
	],

	actions: {
		/** Customers: their own messages; admins: all, filtered by status, template, recipient, relatedId. Newest first. */
		list: {
			rest: "GET /notifications",
			params: listParams,
			async handler(this: NotificationsThis, ctx: Ctx<ListParams>) {
				const { status, template, recipient, relatedId, page, pageSize } = ctx.params;
				const user = ctx.meta.user;
				// A customer sees their own; only an admin (or a service) filters by recipient.
				const where: Filter = ownerScope(user);
				if (!where.userId && recipient) where.recipient = recipient;
				if (status) where.status = status;
				if (template) where.template = template;
				if (relatedId) where.relatedId = relatedId;
				return findPage(this.notifications(), where, page, pageSize, toPublicNotification);
			}
		},

		get: {
			rest: "GET /notifications/:id",
			params: idParams,
			async handler(this: NotificationsThis, ctx: Ctx<{ id: string }>): Promise<PublicNotification> {
				return toPublicNotification(await this.visible(ctx, ctx.params.id));
			}
		},

		/** Admin: sends a test mail to `to` and answers 201 with the notification after its first attempt. */
		test: {
			rest: "POST /notifications/test",
			roles: ["admin"],
			params: testParams,
			async handler(this: NotificationsThis, ctx: Ctx<{ to: string }>): Promise<PublicNotification> {
				const rendered = templates.testMessage({ at: new Date().toISOString(), requestedBy: ctx.meta.user?.id });
				const doc = await this.delivery.record(
					{
						recipient: ctx.params.to,
						template: "test",
						subject: rendered.subject,
						body: rendered.text,
						html: rendered.html,
						eventId: `test:${newId()}:${ctx.params.to}`
					},
					true
				);
				const attempted = await this.delivery.send(doc);
				ctx.meta.$statusCode = 201;
				ctx.meta.$location = `/api/v1/notifications/${doc.id}`;
				return toPublicNotification(attempted ?? (await this.notifications().findById(doc.id)) ?? doc);
			}
		}
	},

	events: {
		"order.confirmed": orderEventHandler,
		"order.paid": orderEventHandler,
		"order.shipped": orderEventHandler,
		"order.delivered": orderEventHandler,
		"order.cancelled": orderEventHandler,
		"inventory.low_stock"(this: NotificationsThis, ctx: EventCtx<LowStockData>) {
			if (!this.lowStockFromBus) return;
			return this.handleLowStock(ctx.params, ctx);
		}
	},

	methods: {
		notifications(this: NotificationsThis) {
			return this.store<NotificationDoc>(notificationsCollection.name);
		},

		/**
		 * Reads of other services' data, as trusted internal calls (no user in meta) carrying the request
		 * id, and when traced the handler's span as their parent.
		 */
		directory(this: NotificationsThis, requestID?: string | null, span?: Span | null): Directory {
			const call = <T>(action: string, params: Record<string, unknown>) =>
				this.broker.call(action, params, {
					requestID: requestID ?? undefined,
					meta: {},
					...(span && { parentSpan: span })
				}) as Promise<T>;
			const { customers, orders, admins } = this.cache;
			return {
				customer: userId =>
					customers.getOrLoad(userId, async () => {
						try {
							const u = await call<{ email: string; name?: string }>("users.get", { id: userId });
							return { email: u.email, name: u.name };
						} catch (err) {
							if ((err as { code?: number }).code === 404) return null;
							throw err;
						}
					}),
				adminEmails: async () => {
					const configured = loadConfig().adminEmail;
					try {
						return await admins.getOrLoad("all", async () => {
							const others = await call<string[]>("users.adminEmails", {});
							return [...new Set([configured, ...others].map(e => e.trim().toLowerCase()))];
						});
					} catch (err) {
						this.logger.warn(`Could not list the admins (alerting ${configured} only):`, (err as Error).message);
						return [configured];
					}
				},
				order: orderId =>
					orders.getOrLoad(orderId, async () => {
						const o = await call<{ items?: OrderLine[]; shippingAddress?: Address }>("orders.get", { id: orderId });
						return {
							items: o.items?.map(l => ({ name: l.name, quantity: l.quantity, subtotal: l.subtotal })),
							shippingAddress: o.shippingAddress
						};
					}),
				productName: async productId => (await call<{ name?: string }>("products.get", { id: productId })).name
			};
		},

		/** Records each message (skipping those recorded before) and starts its first attempt in the background. */
		async notify(this: NotificationsThis, list: NewNotification[]): Promise<NotificationDoc[]> {
			const recorded: NotificationDoc[] = [];
			for (const n of list) {
				try {
					const doc = await this.delivery.record(n, true);
					recorded.push(doc);
					// In the background: the event's handler (and so the flow) never waits for a mail server.
					void this.delivery.send(doc);
				} catch (err) {
					if (err instanceof DuplicateKeyError) {
						this.logger.debug(`Notification ${n.eventId} was recorded before; not sent again`);
						continue;
					}
					throw err;
				}
			}
			return recorded;
		},

		/**
		 * Works out and records the messages of one event. Never throws: a failure to read recipients
		 * (a node away) is tried again a few times in the background, then logged.
		 */
		async processEvent(this: NotificationsThis, what: string, build: () => Promise<NewNotification[]>) {
			for (let attempt = 1; ; attempt++) {
				try {
					const recorded = await this.notify(await build());
					if (recorded.length) this.logger.debug(`Queued ${recorded.length} mail(s) for ${what}`);
					return;
				} catch (err) {
					if (isClientError(err) || attempt >= PROCESS_ATTEMPTS) {
						this.logger.error(`No mail for ${what}:`, (err as Error).message);
						return;
					}
					await sleep(PROCESS_RETRY_MS * 2 ** (attempt - 1));
				}
			}
		},

		async onOrderEvent(this: NotificationsThis, ctx: EventCtx<OrderEventData>) {
			const event = ctx.params;
			const type = ctx.eventName ?? "";
			const data = event?.data;
			if (!isOrderEvent(type) || typeof data?.orderId !== "string" || typeof data.userId !== "string") {
				this.logger.warn(`${type} ${event?.id ?? ""} carries no usable order data; no mail`);
				return;
			}
			const dir = this.directory(ctx.requestID, ctx.span);
			await this.processEvent(`${type} of order ${data.orderId}`, () => orderNotifications(type, data, dir));
		},

		/** The low-stock alert to every admin; idempotent per event id. Also the entry point for non-bus sources. */
		async handleLowStock(this: NotificationsThis, event: DomainEvent<LowStockData>, ctx?: Context) {
			if (!event?.id || typeof event.data?.productId !== "string") {
				this.logger.warn(`inventory.low_stock ${event?.id ?? ""} carries no usable data; no alert`);
				return;
			}
			const dir = this.directory(ctx?.requestID ?? event.correlationid, ctx?.span);
			await this.processEvent(`low stock of product ${event.data.productId}`, () => lowStockNotifications(event, dir));
		},

		async visible(this: NotificationsThis, ctx: Ctx<unknown>, id: string) {
			const doc = await this.notifications().findById(id);
			const user = ctx.meta.user;
			if (!doc || !canSee(user, doc.userId)) throw new NotFoundError("Notification", id);
			return doc;
		}
	},

	created(this: NotificationsThis) {
		this.lowStockFromBus = !this.consumesFromBroker("inventory.low_stock"); // issue 4: false with REDIS_URL
		const ttl = notificationSettings().lookupCacheMs;
		this.cache = { customers: new TtlCache(ttl), orders: new TtlCache(ttl), admins: new TtlCache(ttl) };
	},

	async started(this: NotificationsThis) {
		const cfg = loadConfig();
		const settings = notificationSettings();
		this.mailer = createMailer({ smtpUrl: cfg.smtpUrl, from: cfg.mailFrom, dataDir: cfg.dataDir, timeoutMs: settings.sendTimeoutMs });
		this.delivery = new Delivery({
			store: this.notifications(),
			mailer: this.mailer,
			settings,
			logger: this.logger,
			// The message's end and its announcement are one write.
			settle: update =>
				this.outbox.write(async w => {
					const doc = await update(w.bind(this.notifications()));
					if (doc) w.stage(doc.status === "sent" ? "notification.sent" : "notification.failed", doc.id, settledData(doc));
					return doc;
				})
		});
		this.logger.info(`Mail goes out as ${this.mailer.description}`);
		if (settings.sweepIntervalMs) {
			this.sweepTimer = setInterval(() => {
				this.delivery.sweep().catch((err: Error) => this.logger.warn("Notification sweep failed:", err.message));
			}, settings.sweepIntervalMs);
			this.sweepTimer.unref();
		}
		// Messages left pending by a previous run (or a node that died) go out now.
		this.delivery.sweep().catch((err: Error) => this.logger.warn("Notification sweep failed:", err.message));
	},

	async stopped(this: NotificationsThis) {
		if (this.sweepTimer) clearInterval(this.sweepTimer);
		await this.delivery?.stop();
		this.mailer?.close();
	}
};

export default NotificationsService;
