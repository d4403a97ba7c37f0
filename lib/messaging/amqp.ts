/**
 * RabbitMQ (amqplib): one connection per node, the topology of lib/messaging/routes.ts declared on
 * every (re)connect, publishing with publisher confirms, and consumers with manual acks, bounded
 * prefetch, retries with backoff and a dead-letter queue. Loaded only when AMQP_URL is set.
 *
 * Publishing: every message is persistent and `mandatory`, published on a ConfirmChannel, and a
 * publish resolves only once the broker confirmed it (it is then on disk in every bound queue). No
 * connection yet, or the connection dropped before the confirm: the publish waits for the next
 * connection and is sent again (a consumer may then see it twice; handlers are idempotent), until
 * AMQP_PUBLISH_TIMEOUT_MS, after which it fails loudly. Nothing is dropped silently.
 *
 * Consuming: a message is acknowledged only after its handler resolved (its writes are done). A
 * failure is retried with exponential backoff: the message is republished (confirmed) to
 * `<queue>.retry` with its next attempt number in the `x-attempt` header and the pause as its
 * expiration; it dead-letters back into the queue when the pause is over. The original is acked
 * only after that, so a crash in between redelivers it. After the last attempt, or at once for a
 * failure no retry can cure (a malformed message, a 4xx of a service), the message goes to
 * `<queue>.dlq` with `x-error`, `x-attempts`, `x-failed-at` and `x-queue` headers. The queue keeps
 * flowing meanwhile: a failing message never holds a consumer slot while it waits.
 *
 * Connection loss (broker restart, `rabbitmqctl close_all_connections`, network): reconnects with
 * backoff (100 ms doubling to AMQP_RECONNECT_MAX_MS), declares the topology again and resumes
 * every consumer. Messages that were being handled are redelivered by the broker (their ack on the
 * dead channel is a no-op). Stop drains: consumers are cancelled, handlers in flight finish, then
 * the channels and the connection close.
 */
import amqp, { type ChannelModel, type ConfirmChannel, type ConsumeMessage, type Options } from "amqplib";
import { maskUri } from "../mask-uri";
import type { DomainEvent } from "../events";
import { CLOUDEVENTS_JSON, decodeEvent, describeError, encodeEvent, isPermanent } from "./envelope";
import { AMQP_EXCHANGE, AMQP_QUEUES, deadLetterQueue, retryQueue } from "./routes";
import { backoffMs, type MessagingSettings, type RetryPolicy } from "./settings";
import { drain, noMetrics, sleep, type DeliveryHandler, type MessagingLogger, type MessagingMetrics } from "./types";

export interface AmqpClientOptions {
	url: string;
	/** Shown as the connection's name in RabbitMQ (the node id). */
	name: string;
	settings: MessagingSettings["amqp"];
	drainTimeoutMs: number;
	logger: MessagingLogger;
	metrics?: MessagingMetrics;
}

export interface AmqpConsumerOptions {
	queue: string;
	retry: RetryPolicy;
	handle: DeliveryHandler;
	prefetch?: number;
}

/** Headers the broker adds on dead-lettering; not carried over when a message is republished. */
const BROKER_HEADERS = /^x-(death|first-death-|last-death-)/;

/** Declares the exchange, every queue with its retry and dead-letter queue, and the bindings (idempotent). */
export async function declareTopology(ch: ConfirmChannel): Promise<void> {
	await ch.assertExchange(AMQP_EXCHANGE, "direct", { durable: true });
	for (const [queue, type] of Object.entries(AMQP_QUEUES)) {
		await ch.assertQueue(queue, { durable: true });
		await ch.bindQueue(queue, AMQP_EXCHANGE, type);
		await ch.assertQueue(retryQueue(queue), {
			durable: true,
			arguments: { "x-dead-letter-exchange": "", "x-dead-letter-routing-key": queue }
		});
		await ch.assertQueue(deadLetterQueue(queue), { durable: true });
	}
}

/**
 * The confirms each channel still owes. amqplib fails its own pending confirm callbacks when a
 * channel closes, but stops at the first one already settled out of order (RabbitMQ may confirm
 * out of order), which would leave a publish waiting forever; this fails them all.
 */
const unconfirmed = new WeakMap<ConfirmChannel, Set<(err: Error) => void>>();

function unconfirmedOf(ch: ConfirmChannel): Set<(err: Error) => void> {
	let pending = unconfirmed.get(ch);
	if (!pending) {
		const set = new Set<(err: Error) => void>();
		unconfirmed.set(ch, set);
		ch.once("close", () => {
			for (const fail of [...set]) fail(new Error("channel closed"));
		});
		pending = set;
	}
	return pending;
}

/** Publishes on a confirm channel and resolves when the broker confirmed (rejects on a nack, a closed channel or the deadline). */
function publishConfirmed(
	ch: ConfirmChannel,
	exchange: string,
	routingKey: string,
	body: Buffer,
	options: Options.Publish,
	timeoutMs: number
): Promise<void> {
	return new Promise<void>((resolve, reject) => {
		const pending = unconfirmedOf(ch);
		let settled = false;
		const done = (err: unknown) => {
			if (settled) return;
			settled = true;
			clearTimeout(timer);
			pending.delete(done);
			if (err) reject(err instanceof Error ? err : new Error(String(err)));
			else resolve();
		};
		const timer = setTimeout(() => done(new Error(`no confirm from RabbitMQ within ${timeoutMs} ms`)), timeoutMs);
		pending.add(done);
		try {
			ch.publish(exchange, routingKey, body, options, done);
		} catch (err) {
			// A channel that closed meanwhile throws at once.
			done(err);
		}
	});
}

function withHeartbeat(url: string, seconds: number): string {
	if (/[?&]heartbeat=/.test(url)) return url;
	return `${url}${url.includes("?") ? "&" : "?"}heartbeat=${seconds}`;
}

export class AmqpClient {
	private model: ChannelModel | null = null;
	private publisher: ConfirmChannel | null = null;
	private readonly consumers = new Set<AmqpConsumer>();
	private readonly pending = new Set<Promise<unknown>>();
	private waiters: Array<() => void> = [];
	private started = false;
	private closing = false;
	private lastError = "not connected yet";
	private wakeSleep: (() => void) | null = null;
	/** Connections lost and re-established since start. */
	reconnects = 0;
	readonly metrics: MessagingMetrics;

	constructor(private readonly opts: AmqpClientOptions) {
		this.metrics = opts.metrics ?? noMetrics;
	}

	get logger(): MessagingLogger {
		return this.opts.logger;
	}

	get isConnected(): boolean {
		return !!this.publisher;
	}

	/** "up", or why not. */
	health(): string {
		if (this.closing) return "closed";
		return this.publisher ? "up" : `connecting (${this.lastError})`;
	}

	/**
	 * Messages ready and consumers of each queue (a passive declare on a channel of its own, closed
	 * after); null while not connected. A queue that does not exist fails the whole check.
	 */
	async inspectQueues(queues: readonly string[]): Promise<Array<{ queue: string; messages: number; consumers: number }> | null> {
		const model = this.model;
		if (!model) return null;
		const ch = await model.createChannel();
		// A failed check closes the channel with an error event; the rejected checkQueue reports it.
		ch.on("error", () => undefined);
		try {
			const found = [];
			for (const queue of queues) {
				const { messageCount, consumerCount } = await ch.checkQueue(queue).catch((err: Error) => {
					throw new Error(`checking RabbitMQ queue ${queue} failed: ${err.message}`);
				});
				found.push({ queue, messages: messageCount, consumers: consumerCount });
			}
			return found;
		} finally {
			await ch.close().catch(() => undefined);
		}
	}

	/**
	 * Connects; resolves after the first attempt whatever its outcome, so that a broker that is down
	 * does not stop the node from starting: the client keeps trying in the background.
	 */
	async start(): Promise<void> {
		if (this.started) return;
		this.started = true;
		await new Promise<void>(resolve => void this.connectLoop(resolve));
	}

	private async connectLoop(firstAttemptDone?: () => void): Promise<void> {
		let delay = this.opts.settings.reconnectMinMs;
		while (!this.closing) {
			try {
				await this.connectOnce();
				firstAttemptDone?.();
				return;
			} catch (err) {
				this.lastError = (err as Error).message;
				firstAttemptDone?.();
				firstAttemptDone = undefined;
				this.logger.warn(`RabbitMQ ${maskUri(this.opts.url)} unreachable (${this.lastError}); retrying in ${delay} ms`);
				await new Promise<void>(resolve => {
					const timer = setTimeout(resolve, delay + Math.floor(Math.random() * delay * 0.2));
					this.wakeSleep = () => {
						clearTimeout(timer);
						resolve();
					};
				});
				this.wakeSleep = null;
				delay = Math.min(delay * 2, this.opts.settings.reconnectMaxMs);
			}
		}
	}

	private async connectOnce(): Promise<void> {
		const { settings, name } = this.opts;
		const model = await amqp.connect(withHeartbeat(this.opts.url, settings.heartbeatSeconds), {
			clientProperties: { connection_name: name },
			timeout: settings.connectTimeoutMs
		});
		// Without a listener, an 'error' event would throw; the 'close' that follows it does the work.
		model.on("error", (err: Error) => this.logger.warn(`RabbitMQ connection error: ${err.message}`));
		model.on("blocked", (reason: string) => this.logger.warn(`RabbitMQ blocks publishing (${reason}); publishes wait`));
		model.on("unblocked", () => this.logger.info("RabbitMQ unblocked publishing"));
		let ready = false;
		try {
			const publisher = await model.createConfirmChannel();
			publisher.on("error", (err: Error) => this.logger.warn(`RabbitMQ publisher channel error: ${err.message}`));
			publisher.on("return", (msg: ConsumeMessage) =>
				this.logger.error(
					`RabbitMQ could not route ${msg.properties.type ?? "a message"} ${msg.properties.messageId ?? ""} (${msg.fields.routingKey}): no queue is bound`
				)
			);
			await declareTopology(publisher);
			for (const consumer of this.consumers) await consumer.attach(model);
			if (this.closing) throw new Error("closing");
			// A channel that dies alone (a protocol error) takes the connection with it: one path to recovery.
			publisher.on("close", () => this.channelClosed(model, "the publisher channel closed"));
			model.on("close", () => this.onConnectionClosed(model));
			this.model = model;
			this.publisher = publisher;
			ready = true;
		} finally {
			if (!ready) await model.close().catch(() => undefined);
		}
		this.logger.info(`Connected to RabbitMQ ${maskUri(this.opts.url)}${this.reconnects ? ` (reconnection ${this.reconnects})` : ""}`);
		const waiters = this.waiters;
		this.waiters = [];
		for (const wake of waiters) wake();
	}

	private onConnectionClosed(model: ChannelModel): void {
		if (this.model !== model) return;
		this.model = null;
		this.publisher = null;
		for (const consumer of this.consumers) consumer.detach();
		if (this.closing) return;
		this.reconnects++;
		this.lastError = "connection lost";
		this.logger.warn(`RabbitMQ connection lost; reconnecting`);
		void this.connectLoop();
	}

	/** A channel of `model` died while the connection lives (a protocol error): start over with a fresh connection. */
	restart(model: ChannelModel | null, reason: string): void {
		if (this.closing || !model || this.model !== model) return;
		this.logger.warn(`RabbitMQ: ${reason}; reconnecting`);
		model.close().catch(() => undefined);
	}

	/** A channel of `model` closed: when the connection is still up (checked once its own close event had its turn), restart. */
	channelClosed(model: ChannelModel, reason: string): void {
		setImmediate(() => this.restart(model, reason));
	}

	/** The publisher channel once connected; fails after the deadline or when closed. */
	private async ready(deadline: number): Promise<ConfirmChannel> {
		for (;;) {
			if (this.closing) throw new Error("the RabbitMQ client is closed");
			if (this.publisher) return this.publisher;
			const left = deadline - Date.now();
			if (left <= 0) throw new Error(`not connected (${this.lastError})`);
			await new Promise<void>(resolve => {
				const timer = setTimeout(resolve, left);
				this.waiters.push(() => {
					clearTimeout(timer);
					resolve();
				});
			});
		}
	}

	/** Publishes a domain event to the exchange under its type; resolves once the broker confirmed it. */
	publish(event: DomainEvent<unknown>): Promise<void> {
		const p = this.publishEvent(event);
		this.pending.add(p);
		return p.finally(() => this.pending.delete(p));
	}

	private async publishEvent(event: DomainEvent<unknown>): Promise<void> {
		const deadline = Date.now() + this.opts.settings.publishTimeoutMs;
		const body = encodeEvent(event);
		const time = Date.parse(event.time);
		const options: Options.Publish = {
			persistent: true,
			mandatory: true,
			contentType: CLOUDEVENTS_JSON,
			messageId: event.id,
			correlationId: event.correlationid,
			type: event.type,
			appId: event.source,
			timestamp: Number.isFinite(time) ? Math.floor(time / 1000) : undefined
		};
		for (;;) {
			let channel: ConfirmChannel;
			try {
				channel = await this.ready(deadline);
				await publishConfirmed(channel, AMQP_EXCHANGE, event.type, body, options, Math.max(1, deadline - Date.now()));
				this.metrics.published("rabbitmq", event.type);
				return;
			} catch (err) {
				if (this.closing || Date.now() >= deadline)
					throw new Error(`Publishing ${event.type} ${event.id} to RabbitMQ failed: ${(err as Error).message}`);
				// Cut off by a dropped connection (or nacked): send it again once there is a connection.
				this.logger.warn(
					`Publishing ${event.type} ${event.id} to RabbitMQ was cut off (${(err as Error).message}); sending it again`
				);
				await sleep(50);
			}
		}
	}

	/** Starts consuming a queue (now if connected, else on connection) until `stop`. */
	async consume(options: AmqpConsumerOptions): Promise<AmqpConsumer> {
		const consumer = new AmqpConsumer(this, options, options.prefetch ?? this.opts.settings.prefetch, this.opts.name);
		this.consumers.add(consumer);
		if (this.model) {
			try {
				await consumer.attach(this.model);
			} catch (err) {
				this.restart(this.model, `consuming ${options.queue} failed (${(err as Error).message})`);
			}
		}
		return consumer;
	}

	/** Stops a consumer: no new deliveries, handlers in flight finish, its channel closes. */
	async stopConsumer(consumer: AmqpConsumer): Promise<void> {
		await consumer.stop(this.opts.drainTimeoutMs);
		this.consumers.delete(consumer);
	}

	/** Drains every consumer and pending publish, then closes the connection. */
	async close(): Promise<void> {
		await Promise.all([...this.consumers].map(c => this.stopConsumer(c)));
		await drain(this.pending, this.opts.drainTimeoutMs);
		this.closing = true;
		this.wakeSleep?.();
		for (const wake of this.waiters.splice(0)) wake();
		const model = this.model;
		this.model = null;
		this.publisher = null;
		if (model) await model.close().catch(() => undefined);
	}
}

export class AmqpConsumer {
	private channel: ConfirmChannel | null = null;
	private tag: string | null = null;
	private stopped = false;
	private readonly inflight = new Set<Promise<unknown>>();

	constructor(
		private readonly client: AmqpClient,
		readonly options: AmqpConsumerOptions,
		private readonly prefetch: number,
		private readonly nodeName: string
	) {}

	get queue(): string {
		return this.options.queue;
	}

	async attach(model: ChannelModel): Promise<void> {
		if (this.stopped) return;
		const ch = await model.createConfirmChannel();
		ch.on("error", (err: Error) => this.client.logger.warn(`RabbitMQ consumer channel of ${this.queue}: ${err.message}`));
		ch.on("close", () => {
			if (this.channel !== ch) return;
			this.channel = null;
			this.tag = null;
			if (!this.stopped) this.client.channelClosed(model, `the consumer channel of ${this.queue} closed`);
		});
		await ch.prefetch(this.prefetch);
		this.channel = ch;
		const { consumerTag } = await ch.consume(this.queue, msg => this.onMessage(model, ch, msg), { noAck: false });
		this.tag = consumerTag;
	}

	/** The connection is gone (its channels with it). */
	detach(): void {
		this.channel = null;
		this.tag = null;
	}

	private onMessage(model: ChannelModel, ch: ConfirmChannel, msg: ConsumeMessage | null): void {
		if (!msg) {
			// Cancelled by the broker (the queue was deleted): declare everything again.
			if (!this.stopped) this.client.restart(model, `RabbitMQ cancelled the consumer of ${this.queue}`);
			return;
		}
		const p = this.process(ch, msg).catch((err: Error) =>
			// Not acknowledged: the broker redelivers it (at the latest on the next connection).
			this.client.logger.error(`Message ${msg.properties.messageId ?? ""} of ${this.queue} left unacknowledged: ${err.message}`)
		);
		this.inflight.add(p);
		void p.finally(() => this.inflight.delete(p));
	}

	private async process(ch: ConfirmChannel, msg: ConsumeMessage): Promise<void> {
		const { retry, handle } = this.options;
		const attempt = Math.max(1, Number(msg.properties.headers?.["x-attempt"]) || 1);
		try {
			const event = decodeEvent(msg.content);
			await handle(event, { broker: "rabbitmq", source: this.queue, attempt });
		} catch (err) {
			const permanent = isPermanent(err);
			const what = `${msg.properties.type ?? "message"} ${msg.properties.messageId ?? ""} from ${this.queue}`;
			if (!permanent && attempt < retry.attempts) {
				const delay = backoffMs(retry, attempt);
				this.client.logger.warn(
					`Handling ${what} failed (attempt ${attempt} of ${retry.attempts}); retrying in ${delay} ms: ${describeError(err)}`
				);
				await this.republish(
					ch,
					msg,
					retryQueue(this.queue),
					{
						"x-attempt": attempt + 1,
						"x-last-error": describeError(err)
					},
					String(delay)
				);
				this.ack(ch, msg);
				this.client.metrics.consumed("rabbitmq", this.queue, "retried");
				return;
			}
			this.client.logger.error(
				`Handling ${what} failed ${permanent ? "for good" : `${attempt} times`}; moved to ${deadLetterQueue(this.queue)}: ${describeError(err)}`
			);
			await this.republish(ch, msg, deadLetterQueue(this.queue), {
				"x-attempts": attempt,
				"x-error": describeError(err),
				"x-failed-at": new Date().toISOString(),
				"x-queue": this.queue,
				"x-consumer": this.nodeName
			});
			this.ack(ch, msg);
			this.client.metrics.consumed("rabbitmq", this.queue, "dead_lettered");
			return;
		}
		this.ack(ch, msg);
		this.client.metrics.consumed("rabbitmq", this.queue, "handled");
	}

	private republish(ch: ConfirmChannel, msg: ConsumeMessage, queue: string, headers: Record<string, unknown>, expiration?: string) {
		const p = msg.properties;
		const kept = Object.fromEntries(Object.entries(p.headers ?? {}).filter(([k]) => !BROKER_HEADERS.test(k)));
		return publishConfirmed(
			ch,
			"",
			queue,
			msg.content,
			{
				persistent: true,
				contentType: p.contentType,
				contentEncoding: p.contentEncoding,
				messageId: p.messageId,
				correlationId: p.correlationId,
				type: p.type,
				appId: p.appId,
				timestamp: p.timestamp,
				headers: { ...kept, ...headers },
				expiration
			},
			30_000
		);
	}

	private ack(ch: ConfirmChannel, msg: ConsumeMessage): void {
		try {
			ch.ack(msg);
		} catch {
			// The channel closed meanwhile: the broker redelivers the message; its handling is idempotent.
		}
	}

	async stop(timeoutMs: number): Promise<void> {
		this.stopped = true;
		const ch = this.channel;
		if (ch && this.tag) await ch.cancel(this.tag).catch(() => undefined);
		const drained = await drain(this.inflight, timeoutMs);
		if (!drained) this.client.logger.warn(`Stopping the consumer of ${this.queue}: handlers still running after ${timeoutMs} ms`);
		this.channel = null;
		this.tag = null;
		if (ch) await ch.close().catch(() => undefined);
	}
}
