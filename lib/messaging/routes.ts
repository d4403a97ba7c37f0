/**
 * Where each domain event goes on the external brokers (docs/architecture.md, Events, queues and topics). Every node
 * publishes from this one file, so a publisher never depends on which consumers run elsewhere.
 *
 * CONSUMERS is the one table of the flow's consumers: each names the service and event it serves,
 * the broker it reads when that broker is configured, and its queue, topic and group, or stream and
 * group. The RabbitMQ topology, the queues watched on /metrics, the Kafka groups, the Redis stream
 * and the outbox's list of who must get each event are all derived from it, and a service's
 * messaging mixin picks its entries by key (mixins/messaging.mixin.ts).
 *
 * RabbitMQ: one durable work queue per (event, consuming service), named after the event or after
 * the work it asks for. Queues are bound to the direct exchange `shop.events` by event type, so
 * one publish reaches every queue of that type (order.cancelled: inventory_release,
 * payment_refund and shipment_cancel). Each queue has `<queue>.retry` (messages wait there for
 * their backoff, then dead-letter back into the queue) and `<queue>.dlq` (messages that failed
 * every attempt).
 *
 * Kafka: product.*, inventory.* and order.* events go to product.events, inventory.events and
 * order.events, keyed by their subject (the entity id), so one entity's events stay in order.
 *
 * Redis: inventory.low_stock is PUBLISHed on inventory:low-stock and appended to the capped stream
 * its consumer reads. With NAMESPACE set, both names get a `<namespace>:` prefix, as the Redis
 * cacher's keys do, so clusters sharing one Redis stay apart.
 */
import type { BrokerKind } from "./types";

export const AMQP_EXCHANGE = "shop.events";

export const KAFKA_TOPICS = ["product.events", "inventory.events", "order.events"] as const;

export type TopicName = (typeof KAFKA_TOPICS)[number];

/** A RabbitMQ queue, a Kafka topic read in a consumer group, or a Redis stream read in a consumer group. */
type Source = { rabbitmq: string } | { kafka: TopicName; group: string } | { redis: string; group: string };

/**
 * Every consumer the flow depends on, keyed `<service>:<event type>`. Where its broker is not
 * configured, the event reaches it over the bus, and the outbox keeps retrying an event until each
 * of its consumers had a live node to take it (lib/outbox/service-outbox.ts).
 */
export const CONSUMERS = {
	/** creates the product's stock item */
	"inventory:product.created": { kafka: "product.events", group: "inventory-consumer-group" },
	/** reserves the order's lines */
	"inventory:order.created": { rabbitmq: "order_created" },
	/** gives a confirmed or paid order's stock back */
	"inventory:order.cancelled": { rabbitmq: "inventory_release" },
	/** turns a shipped order's reservation into sold stock */
	"inventory:order.shipped": { rabbitmq: "inventory_commit" },
	/** pending -> confirmed */
	"orders:inventory.reserved": { rabbitmq: "inventory_reserved" },
	/** pending -> cancelled (out_of_stock) */
	"orders:inventory.reservation_failed": { rabbitmq: "inventory_failed" },
	/** confirmed -> paid */
	"orders:payment.succeeded": { rabbitmq: "payment_succeeded" },
	/** confirmed -> cancelled (payment_failed) */
	"orders:payment.failed": { rabbitmq: "payment_failed" },
	/** the order's payment shows refunded */
	"orders:payment.refunded": { rabbitmq: "payment_refunded" },
	/** notes the order's shipment */
	"orders:shipment.created": { rabbitmq: "shipment_created" },
	/** paid -> shipped */
	"orders:shipment.shipped": { rabbitmq: "shipment_shipped" },
	/** shipped -> delivered */
	"orders:shipment.delivered": { rabbitmq: "shipment_delivered" },
	/** charges the order */
	"payments:order.confirmed": { rabbitmq: "order_confirmed" },
	/** refunds a paid order that was cancelled */
	"payments:order.cancelled": { rabbitmq: "payment_refund" },
	/** creates the shipment */
	"shipping:order.paid": { rabbitmq: "order_paid" },
	/** calls off a cancelled order's pending shipment */
	"shipping:order.cancelled": { rabbitmq: "shipment_cancel" },
	/** alerts the admins */
	"notifications:inventory.low_stock": { redis: "inventory:low-stock:stream", group: "notifications" }
} as const satisfies Record<`${string}:${string}`, Source>;

export type ConsumerKey = keyof typeof CONSUMERS;

/** A CONSUMERS entry spelled out. */
export interface ConsumerRoute {
	key: ConsumerKey;
	service: string;
	/** The domain event type handled (on the bus, and the type filter on a topic or stream). */
	event: string;
	broker: BrokerKind;
	/** RabbitMQ queue (AMQP_URL). */
	queue?: string;
	/** Kafka topic (KAFKA_BROKERS), read in consumer group `group`. */
	topic?: TopicName;
	/** Redis stream (REDIS_URL), read in consumer group `group`; prefixed with `<NAMESPACE>:` when set. */
	stream?: string;
	group?: string;
}

function spelledOut(key: ConsumerKey): ConsumerRoute {
	const [service, event] = key.split(":") as [string, string];
	const source: Source = CONSUMERS[key];
	if ("rabbitmq" in source) return { key, service, event, broker: "rabbitmq", queue: source.rabbitmq };
	if ("kafka" in source) return { key, service, event, broker: "kafka", topic: source.kafka, group: source.group };
	return { key, service, event, broker: "redis", stream: source.redis, group: source.group };
}

const ROUTES = new Map((Object.keys(CONSUMERS) as ConsumerKey[]).map(key => [key, spelledOut(key)]));
const ALL = [...ROUTES.values()];

export function consumerRoute(key: ConsumerKey): ConsumerRoute {
	return ROUTES.get(key)!;
}

/** RabbitMQ work queue -> the event type bound to it. */
export const AMQP_QUEUES: Readonly<Record<string, string>> = Object.fromEntries(ALL.flatMap(r => (r.queue ? [[r.queue, r.event]] : [])));

// One queue per consumer: two consumers sharing one would each get only part of its messages.
const duplicate = ALL.find(r => r.queue && ALL.some(o => o !== r && o.queue === r.queue));
if (duplicate) throw new Error(`Queue ${duplicate.queue} is named by two consumers in CONSUMERS`);

export const retryQueue = (queue: string) => `${queue}.retry`;
export const deadLetterQueue = (queue: string) => `${queue}.dlq`;

const QUEUES_BY_TYPE = new Map<string, string[]>();
for (const [queue, type] of Object.entries(AMQP_QUEUES)) QUEUES_BY_TYPE.set(type, [...(QUEUES_BY_TYPE.get(type) ?? []), queue]);

/** The queues an event type is routed to (empty: it does not go to RabbitMQ). */
export function queuesOf(type: string): readonly string[] {
	return QUEUES_BY_TYPE.get(type) ?? [];
}

/** The Kafka consumer groups of the shop's services. */
export const KAFKA_GROUPS = [...new Set(ALL.flatMap(r => (r.topic && r.group ? [r.group] : [])))];

/** The Kafka topic of an event type: product.* -> product.events, ...; null for the others. */
export function topicOf(type: string): TopicName | null {
	const topic = `${type.split(".")[0]}.events`;
	return (KAFKA_TOPICS as readonly string[]).includes(topic) ? (topic as TopicName) : null;
}

/** The event types that go to Redis (channel and stream). */
export const REDIS_EVENTS = ["inventory.low_stock"] as const;

export function lowStockKeys(namespace = "") {
	const prefix = namespace ? `${namespace}:` : "";
	return { channel: `${prefix}inventory:low-stock`, stream: `${prefix}${CONSUMERS["notifications:inventory.low_stock"].redis}` };
}

/** The consumers of `type` that take it from the bus, given which brokers are configured. */
export function busConsumersOf(type: string, configured: Readonly<Record<BrokerKind, boolean>>): string[] {
	return ALL.filter(r => r.event === type && !configured[r.broker]).map(r => r.service);
}
