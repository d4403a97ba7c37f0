/**
 * Lets a service publish its domain events to the external brokers and consume its entries of the
 * consumer table (CONSUMERS in lib/messaging/routes.ts, keyed `<service>:<event type>`), giving
 * only the handler of each:
 *
 *   mixins: [DbMixin(...), MessagingMixin<MyThis>({
 *     "inventory:order.created"(ctx) { ... },
 *     "inventory:product.created"(ctx) { ... }
 *   })]
 *
 * The table says which event each one handles and where it comes from (queue, topic and group, or
 * stream and group); a service may take only its own entries. The handler is written once, as a
 * Moleculer event handler (`ctx.params` is the envelope), and runs whether the event came from the
 * bus or from a broker. Without the consumer's broker URL, the mixin subscribes it to the bus event.
 * With it, the bus event is ignored by this service (it still reaches every other listener) and
 * the work comes from the broker instead, so it runs once: on the broker's delivery, with a context
 * carrying the event's correlation id as request id and, when tracing is on, its span continuing
 * the envelope's traceparent (lib/tracing/).
 *
 * Every handler runs at most once per event id (lib/outbox/inbox.ts): on a service with an outbox,
 * an event already handled is skipped, and its id is recorded once the handler succeeded or failed
 * for good (a client error, which a redelivery would only repeat).
 *
 * A handler throws to say it failed. From the bus, the failure is logged (warn for a client
 * error, which no retry cures; error otherwise) and never reaches the emitter. From a broker, the
 * message is retried with backoff and dead-lettered in the end (lib/messaging/amqp.ts, kafka.ts,
 * redis.ts); a client error is dead-lettered at once.
 *
 * Lifecycle: the consumers start after every other `started` of the service (its stores and its
 * own state are ready by then) and stop, drained, before any other `stopped`.
 */
import type { Context, EventEndpoint, Service, ServiceSchema } from "moleculer";
import type { DomainEvent } from "../lib/events";
import { PermanentMessageError, describeError, isPermanent } from "../lib/messaging/envelope";
import { MessagingHub } from "../lib/messaging/hub";
import { consumerRoute, type ConsumerKey, type ConsumerRoute } from "../lib/messaging/routes";
import { drain, type Delivery } from "../lib/messaging/types";
import type { Inbox } from "../lib/outbox/inbox";
import { localReceivers, type LocalReceiver } from "../lib/outbox/local-receivers";
import { requestScope } from "../lib/request-context";
import { inDeliverySpan } from "../lib/tracing/delivery-span";
import { parentSpanOf } from "../lib/tracing/origin";
import type { AnyServiceSchema, MixinSchema } from "../types/service-schema";

/** A consumer's handler: a Moleculer event handler whose `ctx.params` is the envelope. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ConsumerHandler<S> = (this: S, ctx: Context<DomainEvent<any>, any>) => Promise<void> | void;

/**
 * A handler, or `{ handler, bus: false }`: the service then subscribes to the bus event itself (and
 * asks `consumesFromBroker(event)` whether to ignore it); the mixin only runs the broker's consumer.
 */
export type ConsumerSpec<S> = ConsumerHandler<S> | { handler: ConsumerHandler<S>; bus: false };

/** A service's handlers, by their key in CONSUMERS. */
export type Consumers<S> = { [K in ConsumerKey]?: ConsumerSpec<S> };

export interface MessagingThis {
	/** The node's hub; null when no broker URL is set. */
	messaging: MessagingHub | null;
	/** This service's receiver for the relay on its node, and the deliveries it still runs (drained at stop). */
	localReceiver?: LocalReceiver;
	localDeliveries?: Set<Promise<void>>;
	/** The consumers being started (once the service is registered). */
	messagingConsumers?: Promise<void>;
	/** Whether this service's consumer of `event` takes its work from a configured broker (and so ignores the bus event). */
	consumesFromBroker(event: string): boolean;
}

/** Meta of a context built for a broker delivery. */
export interface DeliveryMeta {
	$delivery?: Delivery;
}

/** How long a stopping service waits for the handlings the relay handed it directly. */
const STOP_DRAIN_MS = 10_000;

export function MessagingMixin<S extends Service = Service>(specs: Consumers<S> = {}): Partial<AnyServiceSchema> {
	type Self = S & MessagingThis & { inbox?: Inbox };
	interface Consumer extends ConsumerRoute {
		handler: ConsumerHandler<S>;
		bus: boolean;
	}
	const consumers: Consumer[] = (Object.keys(specs) as ConsumerKey[]).map(key => {
		const spec = specs[key]!;
		return { ...consumerRoute(key), ...(typeof spec === "function" ? { handler: spec, bus: true } : spec) };
	});

	/** Runs a consumer's handler unless this service already handled the event, and records it after. */
	async function handleOnce(this: Self, c: Consumer, ctx: Context<DomainEvent<unknown>>): Promise<void> {
		const inbox = this.inbox;
		const id = ctx.params?.id;
		if (!inbox || typeof id !== "string" || !id) return c.handler.call(this, ctx);
		// The relay's first delivery of an event (right after its commit) cannot have been handled before.
		const first = (ctx.meta as { $firstDelivery?: boolean } | undefined)?.$firstDelivery === true;
		if (!first && (await inbox.handled(id))) {
			this.logger.debug(`${ctx.eventName} ${id} was handled already; skipped`);
			return;
		}
		try {
			await c.handler.call(this, ctx);
		} catch (err) {
			if (isPermanent(err)) await inbox.markHandled(id).catch(() => undefined);
			throw err;
		}
		await inbox.markHandled(id);
	}

	/** This service's consumer of `type`; a client error (no delivery again can help) when it has none. */
	function consumerOf(this: Self, type: unknown): Consumer {
		const c = consumers.find(c => c.event === type);
		if (!c) throw new PermanentMessageError(`${this.name} does not consume ${String(type)}`);
		return c;
	}

	/** A context for handling `event` outside a Moleculer event or call (a broker's message, the relay's direct delivery). */
	function eventContext(this: Self, event: DomainEvent<unknown>, meta: object, parentSpan?: unknown) {
		// No endpoint: Moleculer takes null (a context of no registered action or event); its types do not say so.
		const ctx = this.broker.ContextFactory.create(this.broker, null as unknown as EventEndpoint, event, {
			requestID: event.correlationid || event.id,
			meta,
			...(parentSpan ? { parentSpan } : {})
		}) as Context<DomainEvent<unknown>> & { eventName?: string; eventType?: string; service?: Service };
		ctx.eventName = event.type;
		ctx.eventType = "emit";
		ctx.service = this;
		return ctx;
	}

	/**
	 * What `receiveEvent` does, for the relay on this node (lib/outbox/local-receivers.ts): the same
	 * handling and answer without a call through the broker's middlewares.
	 */
	function receiveLocally(this: Self, event: DomainEvent<unknown>, first: boolean): Promise<void> {
		const ctx = eventContext.call(this, event, { $firstDelivery: first });
		const done = requestScope.run({ requestId: ctx.requestID ?? undefined }, async () =>
			handleOnce.call(this, consumerOf.call(this, event?.type), ctx)
		);
		const tracked = done.catch(() => undefined).finally(() => this.localDeliveries!.delete(tracked));
		this.localDeliveries!.add(tracked);
		return done;
	}

	async function started(this: Self) {
		if (consumers.length) {
			this.localDeliveries = new Set();
			this.localReceiver = (event, first) => receiveLocally.call(this, event, first);
			localReceivers(this.broker).set(this.name, this.localReceiver);
		}
		if (!this.messaging) return;
		await this.messaging.start();
		const active = consumers.filter(c => this.messaging!.takesOver(c));
		if (!active.length) return;
		// Moleculer registers the service (its actions become callable) right after the last `started`:
		// take work only from then on, so what a handler does is never visible before the service is.
		this.messagingConsumers = new Promise<void>(resolve => setImmediate(resolve))
			.then(() => consume.call(this, active))
			.catch((err: Error) => this.logger.error(`Starting the consumers of ${this.name} failed: ${err.message}`));
	}

	async function consume(this: Self, active: Consumer[]) {
		const traced = this.broker.isTracingEnabled();
		await this.messaging!.consume(
			this,
			active.map(c => ({
				...c,
				handle: (event: DomainEvent<unknown>, delivery: Delivery) => {
					// Traced, the handling continues the span that recorded the event (its traceparent).
					const ctx = eventContext.call(this, event, { $delivery: delivery }, traced ? parentSpanOf(event) : undefined);
					const handle = () => handleOnce.call(this, c, ctx);
					return requestScope.run({ requestId: ctx.requestID ?? undefined }, () =>
						traced ? inDeliverySpan(ctx, this, delivery, handle) : handle()
					);
				}
			}))
		);
		this.logger.info(
			`Consuming ${active.map(c => c.queue ?? `${c.topic ?? c.stream} (${c.group})`).join(", ")} instead of the bus events`
		);
	}

	async function stopped(this: Self) {
		// From now on the relay calls (and finds no node, or another one); what it handed over directly ends first.
		if (this.localReceiver) {
			const receivers = localReceivers(this.broker);
			if (receivers.get(this.name) === this.localReceiver) receivers.delete(this.name);
			await drain(this.localDeliveries!, STOP_DRAIN_MS);
		}
		await this.messagingConsumers;
		await this.messaging?.release(this);
	}

	const events: NonNullable<ServiceSchema["events"]> = {};
	for (const c of consumers.filter(c => c.bus)) {
		events[c.event] = {
			async handler(this: Self, ctx: Context<DomainEvent<unknown>>) {
				// The broker delivers this work; the bus event is for the other listeners.
				if (this.messaging?.takesOver(c)) return;
				try {
					await handleOnce.call(this, c, ctx);
				} catch (err) {
					this.logger[isPermanent(err) ? "warn" : "error"](
						`Handling ${ctx.eventName} ${ctx.params?.id ?? ""} (${ctx.params?.subject ?? ""}) failed: ${describeError(err)}`
					);
				}
			}
		};
	}

	const schema: MixinSchema<Self> = {
		created(this: Self) {
			// The outbox waits for an event's consumers by the table's service names: one run by another service would never answer.
			const foreign = consumers.find(c => c.service !== this.name);
			if (foreign)
				throw new Error(`${this.name} declares ${foreign.key}, a consumer of ${foreign.service} (lib/messaging/routes.ts)`);
			this.messaging = MessagingHub.acquire(this.broker, this);
		},
		merged(schema: Partial<ServiceSchema>) {
			// Consumers start after every other `started` and stop (drained) before every other `stopped`,
			// which Moleculer runs in reverse order.
			const last = (key: "started" | "stopped", fn: unknown) => {
				const list = ([] as unknown[]).concat(schema[key] ?? []).filter(f => f && f !== fn);
				(schema as Record<string, unknown>)[key] = [...list, fn];
			};
			last("started", started);
			last("stopped", stopped);
		},
		started,
		stopped,
		events,
		actions: consumers.length
			? {
					/**
					 * Internal: the outbox's acknowledged delivery to a flow consumer that reads the event
					 * from the bus (lib/outbox/service-outbox.ts). It answers once the handler is done, so a
					 * node that died, or a handler that failed for now, makes the relay deliver it again.
					 */
					receiveEvent: {
						visibility: "public",
						idempotent: true,
						async handler(this: Self, ctx: Context<DomainEvent<unknown>>) {
							const c = consumerOf.call(this, ctx.params?.type);
							Object.assign(ctx, { eventName: c.event, eventType: "emit" });
							await handleOnce.call(this, c, ctx);
							return true;
						}
					}
				}
			: {},
		methods: {
			consumesFromBroker(this: Self, event: string): boolean {
				return consumers.some(c => c.event === event && !!this.messaging?.takesOver(c));
			}
		}
	};
	return schema;
}
