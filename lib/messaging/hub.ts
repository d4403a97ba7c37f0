/**
 * One node's connections to the external brokers, shared by its services: created by the first
 * service using the messaging mixin when at least one broker URL is set, started by the first
 * such service to start, closed when the last one stops. Each broker's library is loaded only
 * when its URL is set (amqplib for AMQP_URL, kafkajs for KAFKA_BROKERS, ioredis for REDIS_URL).
 *
 * It publishes every domain event to the brokers lib/messaging/routes.ts routes it to, and runs
 * the consumers the services declare, handing each message to the service's handler.
 */
import type { ServiceBroker } from "moleculer";
import type { DomainEvent } from "../events";
import { loadConfig } from "../config";
import type { AmqpClient } from "./amqp";
import type { KafkaClient } from "./kafka";
import type { RedisPublisher, RedisStreamConsumer } from "./redis";
import { decodeEvent } from "./envelope";
import { messagingOf, setMessaging, type ExternalMessaging } from "./registry";
import { REDIS_EVENTS, lowStockKeys, queuesOf, topicOf } from "./routes";
import { messagingSettings, type MessagingSettings, type RetryPolicy } from "./settings";
import type { BrokerKind, ConsumeOutcome, DeliveryHandler, MessagingMetrics } from "./types";

/** Where a consumer takes its work from when its broker is configured (else from the Moleculer bus). */
export interface ConsumerSource {
	/** The domain event type handled (on the bus, and the type filter on a topic or stream). */
	event: string;
	/** RabbitMQ queue (AMQP_URL). */
	queue?: string;
	/** Kafka topic (KAFKA_BROKERS), read in consumer group `group`. */
	topic?: string;
	/** Redis stream (REDIS_URL), read in consumer group `group`; prefixed with `<NAMESPACE>:` when set. */
	stream?: string;
	group?: string;
	retry?: Partial<RetryPolicy>;
}

export interface ConsumerBinding extends ConsumerSource {
	handle: DeliveryHandler;
}

interface HubConfig {
	nodeID: string;
	namespace: string;
	amqpUrl: string | null;
	kafkaBrokers: string[];
	redisUrl: string | null;
}

/** A broker's client module (and with it its library), loaded only once its URL is known to be set. */
function load<T>(module: "./amqp" | "./kafka" | "./redis"): T {
	// eslint-disable-next-line @typescript-eslint/no-require-imports -- deliberately lazy: a node without the URL never loads the library
	return require(module) as T;
}

const PUBLISHED = "shop.messaging.published.total";
const CONSUMED = "shop.messaging.consumed.total";

function metricsOf(broker: ServiceBroker): MessagingMetrics {
	if (!broker.isMetricsEnabled()) return { published: () => undefined, consumed: () => undefined };
	const m = broker.metrics;
	if (!m.getMetric(PUBLISHED))
		m.register({
			type: "counter",
			name: PUBLISHED,
			labelNames: ["broker", "destination"],
			description: "Domain events published to an external broker (and confirmed by it)"
		});
	if (!m.getMetric(CONSUMED))
		m.register({
			type: "counter",
			name: CONSUMED,
			labelNames: ["broker", "source", "outcome"],
			description: "Messages taken from an external broker, by outcome (handled, retried, dead_lettered)"
		});
	return {
		published: (b: BrokerKind, destination: string) => m.increment(PUBLISHED, { broker: b, destination }),
		consumed: (b: BrokerKind, source: string, outcome: ConsumeOutcome) => m.increment(CONSUMED, { broker: b, source, outcome })
	};
}

export class MessagingHub implements ExternalMessaging {
	readonly settings: MessagingSettings;
	private amqp: AmqpClient | null = null;
	private kafka: KafkaClient | null = null;
	private redis: RedisPublisher | null = null;
	private starting: Promise<void> | null = null;
	private started = false;
	private readonly owners = new Set<object>();
	private readonly stops = new Map<object, Array<() => Promise<void>>>();
	private readonly metrics: MessagingMetrics;
	private readonly redisKeys: ReturnType<typeof lowStockKeys>;

	private constructor(
		private readonly broker: ServiceBroker,
		readonly config: HubConfig
	) {
		this.settings = messagingSettings();
		this.metrics = metricsOf(broker);
		this.redisKeys = lowStockKeys(config.namespace);
	}

	/**
	 * The node's hub, created on first use from the environment of that moment (a service's
	 * `created`); null when no broker URL is set: the node then rides the Moleculer bus alone.
	 */
	static acquire(broker: ServiceBroker, owner: object): MessagingHub | null {
		let hub = messagingOf(broker) as MessagingHub | undefined;
		if (!hub) {
			const c = loadConfig();
			if (!c.amqpUrl && !c.kafkaBrokers.length && !c.redisUrl) return null;
			hub = new MessagingHub(broker, {
				nodeID: broker.nodeID,
				namespace: c.namespace,
				amqpUrl: c.amqpUrl,
				kafkaBrokers: c.kafkaBrokers,
				redisUrl: c.redisUrl
			});
			setMessaging(broker, hub);
		}
		hub.owners.add(owner);
		return hub;
	}

	get logger() {
		return this.broker.getLogger("messaging");
	}

	/** Whether a consumer takes its work from a configured broker (and so must ignore the bus event). */
	takesOver(source: ConsumerSource): boolean {
		return (
			(!!source.queue && !!this.config.amqpUrl) ||
			(!!source.topic && this.config.kafkaBrokers.length > 0) ||
			(!!source.stream && !!this.config.redisUrl)
		);
	}

	/** Loads and connects each configured broker's client (once; a broker that is down is retried in the background). */
	start(): Promise<void> {
		this.starting ??= (async () => {
			const { amqpUrl, kafkaBrokers, redisUrl, nodeID } = this.config;
			const logger = this.logger;
			const jobs: Promise<void>[] = [];
			if (amqpUrl) {
				const { AmqpClient } = load<typeof import("./amqp")>("./amqp");
				this.amqp = new AmqpClient({
					url: amqpUrl,
					name: nodeID,
					settings: this.settings.amqp,
					drainTimeoutMs: this.settings.drainTimeoutMs,
					logger,
					metrics: this.metrics
				});
				jobs.push(this.amqp.start());
			}
			if (kafkaBrokers.length) {
				const { KafkaClient } = load<typeof import("./kafka")>("./kafka");
				this.kafka = new KafkaClient({
					brokers: kafkaBrokers,
					clientId: `shop-${nodeID}`,
					settings: this.settings.kafka,
					logger,
					metrics: this.metrics
				});
				jobs.push(this.kafka.start());
			}
			if (redisUrl) {
				const { RedisPublisher } = load<typeof import("./redis")>("./redis");
				this.redis = new RedisPublisher(redisUrl, this.metrics);
			}
			await Promise.all(jobs);
			this.started = true;
		})();
		return this.starting;
	}

	publish(event: DomainEvent<unknown>): Promise<void> | null {
		const { amqpUrl, kafkaBrokers, redisUrl } = this.config;
		const toAmqp = !!amqpUrl && queuesOf(event.type).length > 0;
		const topic = kafkaBrokers.length ? topicOf(event.type) : null;
		const toRedis = !!redisUrl && (REDIS_EVENTS as readonly string[]).includes(event.type);
		if (!toAmqp && !topic && !toRedis) return null;
		const send = () => {
			const jobs: Promise<void>[] = [];
			if (toAmqp) jobs.push(this.amqp!.publish(event));
			if (topic) jobs.push(this.kafka!.publish(topic, event));
			if (toRedis)
				jobs.push(this.redis!.publish(event, this.redisKeys.channel, this.redisKeys.stream, this.settings.redis.lowStockMaxLen));
			return Promise.all(jobs).then(() => undefined);
		};
		if (this.started) return send();
		// Emitted while the node is still starting: the clients are on their way.
		return this.start().then(send);
	}

	/** Starts an owner's consumers whose broker is configured (the others stay on the bus). */
	async consume(owner: object, bindings: ConsumerBinding[]): Promise<void> {
		await this.start();
		const stops = this.stops.get(owner) ?? [];
		this.stops.set(owner, stops);
		const retryOf = (b: ConsumerBinding): RetryPolicy => ({ ...this.settings.retry, ...b.retry });

		for (const b of bindings.filter(b => b.queue && this.amqp)) {
			const consumer = await this.amqp!.consume({ queue: b.queue!, retry: retryOf(b), handle: b.handle });
			stops.push(() => this.amqp!.stopConsumer(consumer));
		}

		// One group member per topic and group, dispatching by event type.
		const byTopic = new Map<string, ConsumerBinding[]>();
		for (const b of bindings.filter(b => b.topic && this.kafka)) {
			const key = `${b.topic}\u0000${b.group}`;
			byTopic.set(key, [...(byTopic.get(key) ?? []), b]);
		}
		for (const group of byTopic.values()) {
			const byType = new Map(group.map(b => [b.event, b]));
			const consumer = await this.kafka!.consume({
				topic: group[0].topic!,
				group: group[0].group!,
				retry: retryOf(group[0]),
				accepts: type => byType.has(type),
				handle: (event, delivery) => byType.get(event.type)!.handle(event, delivery)
			});
			stops.push(() => this.kafka!.stopConsumer(consumer));
		}

		for (const b of bindings.filter(b => b.stream && this.config.redisUrl)) {
			const consumer = this.streamConsumer(b);
			stops.push(() => consumer.stop());
		}
	}

	private streamConsumer(b: ConsumerBinding): RedisStreamConsumer {
		const { RedisStreamConsumer } = load<typeof import("./redis")>("./redis");
		const stream = this.config.namespace ? `${this.config.namespace}:${b.stream}` : b.stream!;
		const retry = { ...this.settings.retry, ...b.retry };
		const consumer = new RedisStreamConsumer({
			url: this.config.redisUrl!,
			stream,
			group: b.group!,
			consumer: this.config.nodeID,
			maxDeliveries: retry.attempts,
			claimIdleMs: this.settings.redis.claimIdleMs,
			drainTimeoutMs: this.settings.drainTimeoutMs,
			logger: this.logger,
			metrics: this.metrics,
			handler: async entry => {
				const event = decodeEvent(entry.fields.event);
				if (event.type !== b.event) return;
				await b.handle(event, { broker: "redis", source: stream, attempt: 1 });
			}
		});
		consumer.start();
		return consumer;
	}

	/** Stops an owner's consumers, draining their handlers in flight. */
	async stopConsumers(owner: object): Promise<void> {
		const stops = this.stops.get(owner) ?? [];
		this.stops.delete(owner);
		await Promise.all(stops.map(stop => stop()));
	}

	/** The owner is done with the hub; the last one out closes the connections. */
	async release(owner: object): Promise<void> {
		await this.stopConsumers(owner);
		this.owners.delete(owner);
		if (this.owners.size) return;
		setMessaging(this.broker, null);
		await this.starting?.catch(() => undefined);
		await Promise.all([this.amqp?.close(), this.kafka?.close(), this.redis?.close()]);
	}

	health(): Record<string, string> {
		const { amqpUrl, kafkaBrokers, redisUrl } = this.config;
		const h: Record<string, string> = {};
		if (amqpUrl) h.rabbitmq = this.amqp?.health() ?? "starting";
		if (kafkaBrokers.length) h.kafka = this.kafka?.health() ?? "starting";
		if (redisUrl) h.redis = this.redis?.health() ?? "starting";
		return h;
	}

	/** For tests and operations: the RabbitMQ client (null without AMQP_URL or before start). */
	get rabbitmq(): AmqpClient | null {
		return this.amqp;
	}
}
