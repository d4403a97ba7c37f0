/**
 * Where each domain event goes on the external brokers (docs/architecture.md, Events, queues and topics). Every node
 * publishes from this one table, so a publisher never depends on which consumers run elsewhere.
 *
 * RabbitMQ: one durable work queue per (event, consuming service), named after the event or after
 * the work it asks for. Queues are bound to the direct exchange `shop.events` by event type, so
 * one publish reaches every queue of that type (order.cancelled: inventory_release and
 * payment_refund). Each queue has `<queue>.retry` (messages wait there for their backoff, then
 * dead-letter back into the queue) and `<queue>.dlq` (messages that failed every attempt).
 *
 * Kafka: product.*, inventory.* and order.* events go to product.events, inventory.events and
 * order.events, keyed by their subject (the entity id), so one entity's events stay in order.
 *
 * Redis: inventory.low_stock is PUBLISHed on inventory:low-stock and appended to the capped stream
 * inventory:low-stock:stream. With NAMESPACE set, both names get a `<namespace>:` prefix, as the
 * Redis cacher's keys do, so clusters sharing one Redis stay apart.
 */

export const AMQP_EXCHANGE = "shop.events";

/** Queue -> the event types bound to it, and who consumes it. */
export const AMQP_QUEUES = {
	/** inventory reserves the order's lines */
	order_created: ["order.created"],
	/** orders: pending -> confirmed */
	inventory_reserved: ["inventory.reserved"],
	/** orders: pending -> cancelled (out_of_stock) */
	inventory_failed: ["inventory.reservation_failed"],
	/** inventory gives a confirmed or paid order's stock back */
	inventory_release: ["order.cancelled"],
	/** inventory turns a shipped order's reservation into sold stock */
	inventory_commit: ["order.shipped"],
	/** payments charges the order */
	order_confirmed: ["order.confirmed"],
	/** shipping creates the shipment */
	order_paid: ["order.paid"],
	/** shipping calls off a cancelled order's pending shipment */
	shipment_cancel: ["order.cancelled"],
	/** payments refunds a paid order that was cancelled */
	payment_refund: ["order.cancelled"],
	/** orders: confirmed -> paid */
	payment_succeeded: ["payment.succeeded"],
	/** orders: confirmed -> cancelled (payment_failed) */
	payment_failed: ["payment.failed"],
	/** orders: the order's payment shows refunded */
	payment_refunded: ["payment.refunded"],
	/** orders: notes the order's shipment */
	shipment_created: ["shipment.created"],
	/** orders: paid -> shipped */
	shipment_shipped: ["shipment.shipped"],
	/** orders: shipped -> delivered */
	shipment_delivered: ["shipment.delivered"]
} as const satisfies Record<string, readonly string[]>;

export type QueueName = keyof typeof AMQP_QUEUES;

export const retryQueue = (queue: string) => `${queue}.retry`;
export const deadLetterQueue = (queue: string) => `${queue}.dlq`;

const QUEUES_BY_TYPE = new Map<string, QueueName[]>();
for (const [queue, types] of Object.entries(AMQP_QUEUES) as [QueueName, readonly string[]][])
	for (const type of types) QUEUES_BY_TYPE.set(type, [...(QUEUES_BY_TYPE.get(type) ?? []), queue]);

/** The queues an event type is routed to (empty: it does not go to RabbitMQ). */
export function queuesOf(type: string): readonly QueueName[] {
	return QUEUES_BY_TYPE.get(type) ?? [];
}

export const KAFKA_TOPICS = ["product.events", "inventory.events", "order.events"] as const;

export type TopicName = (typeof KAFKA_TOPICS)[number];

/** The Kafka topic of an event type: product.* -> product.events, ...; null for the others. */
export function topicOf(type: string): TopicName | null {
	const topic = `${type.split(".")[0]}.events`;
	return (KAFKA_TOPICS as readonly string[]).includes(topic) ? (topic as TopicName) : null;
}

/** The event types that go to Redis (channel and stream). */
export const REDIS_EVENTS = ["inventory.low_stock"] as const;

export function lowStockKeys(namespace = "") {
	const prefix = namespace ? `${namespace}:` : "";
	return { channel: `${prefix}inventory:low-stock`, stream: `${prefix}inventory:low-stock:stream` };
}

/** Whether any broker cares about an event type (the others stay on the Moleculer bus only). */
export function isRouted(type: string): boolean {
	return queuesOf(type).length > 0 || topicOf(type) !== null || (REDIS_EVENTS as readonly string[]).includes(type);
}

/** A service that must receive an event type for the flow to go on, and the broker it takes it from when that broker is configured. */
export interface FlowConsumer {
	service: string;
	via: "rabbitmq" | "kafka" | "redis";
}

/**
 * Every consumer the flow depends on (the messaging mixin refuses to start a consumer that is not
 * listed). Where its broker is not configured, the event reaches it over the bus, and the outbox
 * keeps retrying an event until each of these services had a live node to take it
 * (lib/outbox/service-outbox.ts).
 */
export const FLOW_CONSUMERS: Readonly<Record<string, readonly FlowConsumer[]>> = {
	"product.created": [{ service: "inventory", via: "kafka" }],
	"order.created": [{ service: "inventory", via: "rabbitmq" }],
	"order.confirmed": [{ service: "payments", via: "rabbitmq" }],
	"order.paid": [{ service: "shipping", via: "rabbitmq" }],
	"order.shipped": [{ service: "inventory", via: "rabbitmq" }],
	"order.cancelled": [
		{ service: "inventory", via: "rabbitmq" },
		{ service: "payments", via: "rabbitmq" },
		{ service: "shipping", via: "rabbitmq" }
	],
	"inventory.reserved": [{ service: "orders", via: "rabbitmq" }],
	"inventory.reservation_failed": [{ service: "orders", via: "rabbitmq" }],
	"inventory.low_stock": [{ service: "notifications", via: "redis" }],
	"payment.succeeded": [{ service: "orders", via: "rabbitmq" }],
	"payment.failed": [{ service: "orders", via: "rabbitmq" }],
	"payment.refunded": [{ service: "orders", via: "rabbitmq" }],
	"shipment.created": [{ service: "orders", via: "rabbitmq" }],
	"shipment.shipped": [{ service: "orders", via: "rabbitmq" }],
	"shipment.delivered": [{ service: "orders", via: "rabbitmq" }]
};

/** The flow consumers of `type` that take it from the bus, given which brokers are configured. */
export function busConsumersOf(type: string, configured: { rabbitmq: boolean; kafka: boolean; redis: boolean }): string[] {
	return (FLOW_CONSUMERS[type] ?? []).filter(c => !configured[c.via]).map(c => c.service);
}
