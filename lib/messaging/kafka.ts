/**
 * Kafka (kafkajs): domain events as CloudEvents JSON on product.events, inventory.events and
 * order.events, keyed by their subject (the entity id), and consumer groups that commit a
 * message's offset only after its handler finished. Loaded only when KAFKA_BROKERS is set.
 *
 * Topics are created at start through the admin API with KAFKA_TOPIC_PARTITIONS partitions; a
 * cluster that refuses (no rights, a mock) is tolerated, and the topics are then auto-created on
 * first use. Publishing waits for the producer's connection and for every in-sync replica
 * (acks -1), until KAFKA_PUBLISH_TIMEOUT_MS, then fails loudly.
 *
 * A new group starts at the earliest offset, so events published before its first start are not
 * missed; a restarted member resumes after the last committed offset. A failing message is retried
 * in place with backoff (the partition waits: a key's events stay in order), then written to
 * `<topic>.dlq` with its error, and committed. A member stopped mid-message commits nothing for
 * it, so the group handles it again. A member the group dropped (the cluster hung past the session
 * timeout) joins again by itself and handles its uncommitted message again.
 */
import { Kafka, Partitioners, logLevel, type Consumer, type IHeaders, type LogEntry, type Producer } from "kafkajs";
import type { DomainEvent } from "../events";
import { KAFKA_TOPICS } from "./routes";
import { CLOUDEVENTS_JSON, decodeEvent, describeError, encodeEvent, isPermanent } from "./envelope";
import { backoffMs, type MessagingSettings, type RetryPolicy } from "./settings";
import { noMetrics, sleep, type DeliveryHandler, type MessagingLogger, type MessagingMetrics } from "./types";

export interface KafkaClientOptions {
	brokers: string[];
	clientId: string;
	settings: MessagingSettings["kafka"];
	logger: MessagingLogger;
	metrics?: MessagingMetrics;
}

export interface KafkaConsumerOptions {
	topic: string;
	group: string;
	retry: RetryPolicy;
	handle: DeliveryHandler;
	/** Event types this group handles; the others are committed untouched. All when omitted. */
	accepts?: (type: string) => boolean;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
	let timer: NodeJS.Timeout;
	return Promise.race([
		p,
		new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms)))
	]).finally(() => clearTimeout(timer));
}

export class KafkaClient {
	readonly kafka: Kafka;
	private readonly producer: Producer;
	private producerUp = false;
	private connecting: Promise<void> | null = null;
	private closing = false;
	private lastError = "not connected yet";
	private readonly consumers = new Set<KafkaGroupConsumer>();
	readonly metrics: MessagingMetrics;

	constructor(private readonly opts: KafkaClientOptions) {
		this.metrics = opts.metrics ?? noMetrics;
		const log = opts.logger;
		this.kafka = new Kafka({
			clientId: opts.clientId,
			brokers: opts.brokers,
			connectionTimeout: 3000,
			retry: { initialRetryTime: 100, retries: 5 },
			logLevel: logLevel.INFO,
			// kafkajs reports transient trouble (it retries) as errors; its info is chatter.
			logCreator: () => (entry: LogEntry) => {
				const text = `kafkajs ${entry.namespace}: ${entry.log.message}`;
				if (entry.level === logLevel.ERROR) log.warn(text);
				else if (entry.level === logLevel.WARN) log.info(text);
				else log.debug(text);
			}
		});
		// The mock cluster of the tests refuses idempotent producers; acks -1 keeps a real cluster's writes durable.
		this.producer = this.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: true });
	}

	get logger(): MessagingLogger {
		return this.opts.logger;
	}

	/** "up" once the producer is connected and every consumer is in its group; else why not. */
	health(): string {
		if (this.closing) return "closed";
		if (!this.producerUp) return `connecting (${this.lastError})`;
		const outside = [...this.consumers].filter(c => !c.inGroup).map(c => `${c.options.topic} (${c.options.group})`);
		return outside.length ? `joining the group: ${outside.join(", ")}` : "up";
	}

	/** Creates the topics when the cluster allows it, then connects the producer (first attempt awaited, then in the background). */
	async start(): Promise<void> {
		await this.ensureTopics();
		await new Promise<void>(resolve => void this.connectProducer(resolve));
	}

	private async ensureTopics(): Promise<void> {
		const { partitions, replicationFactor } = this.opts.settings;
		const admin = this.kafka.admin();
		try {
			await withTimeout(admin.connect(), 10_000, "connecting the Kafka admin client");
			const created = await withTimeout(
				admin.createTopics({
					topics: KAFKA_TOPICS.map(topic => ({ topic, numPartitions: partitions, replicationFactor })),
					waitForLeaders: true,
					timeout: 5000
				}),
				15_000,
				"creating topics"
			);
			if (created) this.logger.info(`Created Kafka topics ${KAFKA_TOPICS.join(", ")}`);
		} catch (err) {
			this.logger.info(
				`Kafka topics not created through the admin API (${(err as Error).message}); they are auto-created on first use`
			);
		} finally {
			await admin.disconnect().catch(() => undefined);
		}
	}

	private connectProducer(firstAttemptDone?: () => void): Promise<void> {
		this.connecting ??= (async () => {
			let delay = 200;
			while (!this.closing) {
				try {
					await this.producer.connect();
					this.producerUp = true;
					this.logger.info(`Connected to Kafka ${this.opts.brokers.join(",")}`);
					break;
				} catch (err) {
					this.lastError = (err as Error).message;
					firstAttemptDone?.();
					firstAttemptDone = undefined;
					this.logger.warn(`Kafka ${this.opts.brokers.join(",")} unreachable (${this.lastError}); retrying in ${delay} ms`);
					await sleep(delay);
					delay = Math.min(delay * 2, this.opts.settings.reconnectMaxMs);
				}
			}
			firstAttemptDone?.();
		})().finally(() => (this.connecting = null));
		return this.connecting;
	}

	/** Publishes a domain event keyed by its subject; resolves once every in-sync replica has it. */
	async publish(topic: string, event: DomainEvent<unknown>): Promise<void> {
		await this.send(topic, event.subject || event.id, encodeEvent(event), {
			"content-type": CLOUDEVENTS_JSON,
			ce_type: event.type,
			ce_id: event.id
		});
		this.metrics.published("kafka", topic);
	}

	async send(topic: string, key: string, value: Buffer, headers: IHeaders): Promise<void> {
		const deadline = Date.now() + this.opts.settings.publishTimeoutMs;
		for (;;) {
			try {
				if (!this.producerUp) {
					void this.connectProducer();
					while (!this.producerUp && !this.closing && Date.now() < deadline) await sleep(50);
					if (!this.producerUp)
						throw new Error(this.closing ? "the Kafka client is closed" : `not connected (${this.lastError})`);
				}
				await this.producer.send({ topic, acks: -1, timeout: 10_000, messages: [{ key, value, headers }] });
				return;
			} catch (err) {
				if (this.closing || Date.now() >= deadline)
					throw new Error(`Publishing to Kafka topic ${topic} failed: ${(err as Error).message}`);
				this.logger.warn(`Publishing to Kafka topic ${topic} failed (${(err as Error).message}); trying again`);
				if (/disconnected/i.test((err as Error).message)) {
					this.producerUp = false;
					void this.connectProducer();
				}
				await sleep(200);
			}
		}
	}

	async consume(options: KafkaConsumerOptions): Promise<KafkaGroupConsumer> {
		const consumer = new KafkaGroupConsumer(this, options, this.opts.settings);
		this.consumers.add(consumer);
		consumer.start();
		return consumer;
	}

	async stopConsumer(consumer: KafkaGroupConsumer): Promise<void> {
		await consumer.stop();
		this.consumers.delete(consumer);
	}

	async close(): Promise<void> {
		await Promise.all([...this.consumers].map(c => this.stopConsumer(c)));
		this.closing = true;
		this.producerUp = false;
		await this.producer.disconnect().catch(() => undefined);
	}
}

export class KafkaGroupConsumer {
	private readonly consumer: Consumer;
	private stopped = false;
	private running: Promise<void> | null = null;
	private wake: (() => void) | null = null;
	/** Crashes since the last message handled: the pause before rejoining grows with them. */
	private crashes = 0;
	/** From joining its group until a crash, a stop or a disconnect: a member out of it reads nothing. */
	private joined = false;

	constructor(
		private readonly client: KafkaClient,
		readonly options: KafkaConsumerOptions,
		settings: MessagingSettings["kafka"]
	) {
		this.consumer = client.kafka.consumer({
			groupId: options.group,
			sessionTimeout: settings.sessionTimeoutMs,
			heartbeatInterval: settings.heartbeatIntervalMs,
			maxWaitTimeInMs: settings.maxWaitMs,
			allowAutoTopicCreation: true,
			retry: { retries: 5, restartOnFailure: async () => !this.stopped }
		});
		// kafkajs restarts a crashed consumer only after retriable errors. After others (a group that
		// forgot this member while the cluster hung: "The coordinator is not aware of this member") it
		// stays stopped for good, and the topic would go unread until the process restarts.
		const { GROUP_JOIN, STOP, DISCONNECT, CRASH } = this.consumer.events;
		this.consumer.on(GROUP_JOIN, () => (this.joined = true));
		for (const left of [STOP, DISCONNECT]) this.consumer.on(left, () => (this.joined = false));
		this.consumer.on(CRASH, ({ payload }) => {
			this.joined = false;
			if (payload.restart || this.stopped) return;
			const delay = Math.min(200 * 2 ** this.crashes++, 5000);
			this.client.logger.warn(
				`Kafka consumer of ${options.topic} (${options.group}) stopped (${payload.error.message}); joining the group again in ${delay} ms`
			);
			this.start(delay);
		});
	}

	/** In its group, reading its partitions (shown by the client's health, and so by /health/ready). */
	get inGroup(): boolean {
		return this.joined;
	}

	/** Joins the group in the background, after `pause` ms (retrying while Kafka is unreachable). */
	start(pause = 0): void {
		const previous = this.running ?? Promise.resolve();
		this.running = (async () => {
			await previous.catch(() => undefined);
			if (pause) await this.pauseFor(pause);
			let delay = 200;
			while (!this.stopped) {
				try {
					await this.consumer.connect();
					await this.consumer.subscribe({ topic: this.options.topic, fromBeginning: true });
					await this.consumer.run({
						autoCommit: false,
						eachMessage: async ({ topic, partition, message, heartbeat }) => {
							await this.handle(message.value, message.key?.toString() ?? "", message.offset, heartbeat);
							await this.consumer.commitOffsets([{ topic, partition, offset: (BigInt(message.offset) + 1n).toString() }]);
						}
					});
					return;
				} catch (err) {
					if (this.stopped) return;
					this.client.logger.warn(
						`Kafka consumer of ${this.options.topic} (${this.options.group}) could not start (${(err as Error).message}); retrying in ${delay} ms`
					);
					await this.consumer.disconnect().catch(() => undefined);
					await sleep(delay);
					delay = Math.min(delay * 2, 5000);
				}
			}
		})();
	}

	private async handle(value: Buffer | null, key: string, offset: string, heartbeat: () => Promise<void>): Promise<void> {
		const { topic, group, retry, handle, accepts } = this.options;
		for (let attempt = 1; ; attempt++) {
			try {
				const event = decodeEvent(value);
				if (accepts && !accepts(event.type)) return;
				await handle(event, { broker: "kafka", source: topic, attempt });
				this.client.metrics.consumed("kafka", topic, "handled");
				this.crashes = 0;
				return;
			} catch (err) {
				// Stopping: not committed, so the group handles it again after the restart.
				if (this.stopped) throw err;
				const permanent = isPermanent(err);
				if (permanent || attempt >= retry.attempts) {
					this.client.logger.error(
						`Handling offset ${offset} of ${topic} (${group}) failed ${permanent ? "for good" : `${attempt} times`}; moved to ${topic}.dlq: ${describeError(err)}`
					);
					await this.client.send(`${topic}.dlq`, key, value ?? Buffer.alloc(0), {
						"x-error": describeError(err),
						"x-attempts": String(attempt),
						"x-failed-at": new Date().toISOString(),
						"x-group": group,
						"x-offset": offset
					});
					this.client.metrics.consumed("kafka", topic, "dead_lettered");
					return;
				}
				const delay = backoffMs(retry, attempt);
				this.client.logger.warn(
					`Handling offset ${offset} of ${topic} failed (attempt ${attempt} of ${retry.attempts}); retrying in ${delay} ms: ${describeError(err)}`
				);
				this.client.metrics.consumed("kafka", topic, "retried");
				await this.pauseFor(delay);
				if (this.stopped) throw err;
				await heartbeat().catch(() => undefined);
			}
		}
	}

	/** Waits `ms`, or less when the consumer stops meanwhile. */
	private async pauseFor(ms: number): Promise<void> {
		await new Promise<void>(resolve => {
			const timer = setTimeout(resolve, ms);
			this.wake = () => {
				clearTimeout(timer);
				resolve();
			};
		});
		this.wake = null;
	}

	/** Leaves the group after the message in flight finished (kafkajs waits for it). */
	async stop(): Promise<void> {
		this.stopped = true;
		this.wake?.();
		await this.running?.catch(() => undefined);
		await this.consumer.disconnect().catch(() => undefined);
	}
}
