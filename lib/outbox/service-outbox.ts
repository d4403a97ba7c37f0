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
import { busConsumersOf } from "../messaging/routes";

import type { Store } from "../store";
import { parentSpanOf } from "../tracing/origin";
import type { HandledRecord, OutboxRecord } from "./collections";
import { Inbox } from "./inbox";
import { Outbox, type OutboxLogger } from "./outbox";

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

/** A flow consumer of the event had no live node: the event is delivered again later (its other listeners skip it then). */
export class ConsumersAbsentError extends Error {
	constructor(
		type: string,
		readonly services: string[]
	) {
		super(`No live node of ${services.join(", ")} took ${type}; it is delivered again later`);
		this.name = "ConsumersAbsentError";
	}
}

/**
 * Hands an event to the bus and the brokers; resolves once every one of them took it. On the bus,
 * "took" means every flow consumer that reads the event from the bus (lib/messaging/routes.ts,
 * FLOW_CONSUMERS) had a live node: an event emitted while, say, the only inventory node is down
 * would otherwise reach nobody and be lost. Brokers keep what they took for consumers that are down.
 */
export function deliverTo(broker: ServiceBroker) {
	const traced = broker.isTracingEnabled();
	const c = loadConfig();
	const configured = { rabbitmq: !!c.amqpUrl, kafka: c.kafkaBrokers.length > 0, redis: !!c.redisUrl };
	return async (event: DomainEvent<unknown>): Promise<void> => {
		const published = messagingOf(broker)?.publish(event);
		// The bus carries the request id on, so every service's log lines of one request share it; when
		// traced, the listeners' spans continue the span that recorded the event (its traceparent).
		const parentSpan = traced ? parentSpanOf(event) : undefined;
		await Promise.all([
			broker.emit(event.type, event, { requestID: event.correlationid, ...(parentSpan && { parentSpan }) }),
			published
		]);
		const required = busConsumersOf(event.type, configured);
		if (!required.length) return;
		const listening = new Set(broker.registry.events.getBalancedEndpoints(event.type).map(([, group]: [unknown, string]) => group));
		const absent = required.filter(service => !listening.has(service));
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
		onFailure: () => metrics?.increment(FAILURES, { service })
	});
	return { outbox, inbox: new Inbox(service, handled) };
}
