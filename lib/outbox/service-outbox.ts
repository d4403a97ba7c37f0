/**
 * A service's outbox and inbox, wired to its node: the relay hands each event to the Moleculer bus
 * (local listeners and the transporter) and to the node's brokers (lib/messaging/hub.ts), and
 * reports the backlog and failed deliveries as metrics (shop_outbox_pending,
 * shop_outbox_delivery_failures_total, by service).
 */
import type { ServiceBroker } from "moleculer";
import { loadConfig } from "../config";
import type { DomainEvent } from "../events";
import { messagingOf } from "../messaging/registry";
import { isPermanent } from "../messaging/envelope";
import { busConsumersOf } from "../messaging/routes";
import type { Store } from "../store";
import { parentSpanOf } from "../tracing/origin";
import type { HandledRecord, OutboxRecord } from "./collections";
import { Inbox } from "./inbox";
import { localReceivers, withinTime } from "./local-receivers";
import { Outbox, type OutboxLogger } from "./outbox";
import { relayLaneOf } from "./relay-lane";

const PENDING = "shop.outbox.pending";
const FAILURES = "shop.outbox.delivery_failures.total";

function registerMetrics(broker: ServiceBroker): void {
	if (!broker.isMetricsEnabled() || broker.metrics.getMetric(PENDING)) return;
	broker.metrics.register({
		type: "gauge",
		name: PENDING,
		labelNames: ["service"],
		description: "Domain events recorded and not yet delivered everywhere"
	});
	broker.metrics.register({
		type: "counter",
		name: FAILURES,
		labelNames: ["service"],
		description: "Failed deliveries of recorded domain events (each is retried)"
	});
}

/** A flow consumer of the event had no live node: the event is delivered again later. */
export class ConsumersAbsentError extends Error {
	constructor(
		type: string,
		readonly services: string[]
	) {
		super(`No live node of ${services.join(", ")} took ${type}; it is delivered again later`);
		this.name = "ConsumersAbsentError";
	}
}

/** How long the relay waits for a flow consumer's handler before it tries again. */
const RECEIVE_TIMEOUT_MS = 30_000;

const NO_NODE = new Set(["ServiceNotFoundError", "ServiceNotAvailableError", "RequestRejectedError"]);

/**
 * Hands an event to the bus and the brokers; resolves once every one of them took it.
 *
 * On the bus, the flow consumers that read the event from it (lib/messaging/routes.ts,
 * CONSUMERS: those whose broker is not configured) get it by a call, `<service>.receiveEvent`,
 * answered once their handler is done: a node that died before anyone noticed, no live node at all,
 * or a handler that failed for now, all make the delivery fail and the relay try again. Every other
 * listener (realtime, logs, notifications' mails) gets it as a plain event, at most once. A handler
 * that refused the event for good (a client error) counts as delivered: trying again cannot help.
 * Brokers keep what they took for consumers that are down.
 */
export function deliverTo(broker: ServiceBroker) {
	const traced = broker.isTracingEnabled();
	const c = loadConfig();
	const configured = { rabbitmq: !!c.amqpUrl, kafka: c.kafkaBrokers.length > 0, redis: !!c.redisUrl };
	// Per type: the flow consumers that must acknowledge it, and the listeners that get a plain event
	// (asked of the registry once per type until services change).
	const routes = new Map<string, { required: string[]; others: string[] }>();
	const local = localReceivers(broker);
	broker.localBus.on("$services.changed", () => routes.clear());
	const routeOf = (type: string) => {
		let route = routes.get(type);
		if (!route) {
			const required = busConsumersOf(type, configured);
			const others = (broker.registry.events.getGroups(type) as string[]).filter(group => !required.includes(group));
			routes.set(type, (route = { required, others }));
		}
		return route;
	};
	return async (event: DomainEvent<unknown>, first = false): Promise<void> => {
		// The request id travels on, so every service's log lines of one request share it; when traced,
		// the listeners' spans continue the span that recorded the event (its traceparent).
		const parentSpan = traced ? parentSpanOf(event) : undefined;
		// A first delivery lets consumers skip looking the event up in their inbox (nobody can have had it).
		const opts = { requestID: event.correlationid, meta: { $firstDelivery: first }, ...(parentSpan && { parentSpan }) };
		const { required, others } = routeOf(event.type);
		const absent: string[] = [];
		const jobs: Array<Promise<unknown>> = [];
		const published = messagingOf(broker)?.publish(event);
		if (published) jobs.push(published);
		if (others.length) jobs.push(broker.emit(event.type, event, { ...opts, groups: others }));
		for (const service of required) {
			// A consumer on this node is handed the event directly (lib/outbox/local-receivers.ts).
			const receive = traced ? undefined : local.get(service);
			const received = receive
				? withinTime(receive(event, first), RECEIVE_TIMEOUT_MS, `${service} handling ${event.type}`)
				: broker.call(`${service}.receiveEvent`, event, { ...opts, timeout: RECEIVE_TIMEOUT_MS });
			jobs.push(
				received.catch((err: Error) => {
					if (NO_NODE.has(err?.name)) absent.push(service);
					else if (!isPermanent(err)) throw err;
				})
			);
		}
		const failed = (await Promise.allSettled(jobs)).find((r): r is PromiseRejectedResult => r.status === "rejected");
		if (failed) throw failed.reason;
		if (absent.length) throw new ConsumersAbsentError(event.type, absent);
	};
}

export function createServiceOutbox(
	broker: ServiceBroker,
	service: string,
	records: Store<OutboxRecord>,
	handled: Store<HandledRecord>,
	logger: OutboxLogger
): { outbox: Outbox; inbox: Inbox } {
	const c = loadConfig();
	registerMetrics(broker);
	const metrics = broker.isMetricsEnabled() ? broker.metrics : null;
	const outbox = new Outbox({
		source: service,
		records,
		deliver: deliverTo(broker),
		settings: { pollMs: c.outboxPollMs, leaseMs: c.outboxLeaseMs, retryMaxMs: c.outboxRetryMaxMs, batch: 100 },
		logger,
		onBacklog: pending => metrics?.set(PENDING, pending, { service }),
		onFailure: () => metrics?.increment(FAILURES, { service }),
		lane: relayLaneOf(c.outboxRelayTurnMs, c.outboxRelayLagMs)
	});
	return { outbox, inbox: new Inbox(service, handled) };
}
