/**
 * Redis (ioredis) for low-stock alerts: PUBLISH to a channel (for whoever listens now) and XADD to
 * a capped stream (for consumer groups, which do not miss an alert while they are down), and a
 * reusable stream consumer. Loaded only when REDIS_URL is set (or by whoever imports it).
 */
import Redis from "ioredis";
import type { DomainEvent } from "../events";
import { describeError, isPermanent } from "./envelope";
import { drain, noMetrics, sleep, type MessagingLogger, type MessagingMetrics } from "./types";

const silent: MessagingLogger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

const redisOptions = {
	// Commands wait through a short outage, then fail (loudly) instead of hanging forever.
	maxRetriesPerRequest: 5,
	retryStrategy: (times: number) => Math.min(times * 100, 2000)
};

export class RedisPublisher {
	private readonly client: Redis;
	private closed = false;

	constructor(
		url: string,
		private readonly metrics: MessagingMetrics = noMetrics
	) {
		this.client = new Redis(url, redisOptions);
		// Reconnection is ioredis' job; without a listener an 'error' event would be thrown.
		this.client.on("error", () => undefined);
	}

	health(): string {
		if (this.closed) return "closed";
		return this.client.status === "ready" ? "up" : `connecting (${this.client.status})`;
	}

	/** PUBLISH on `channel` and XADD to `stream` (capped near `maxLen`), atomically (MULTI). */
	async publish(event: DomainEvent<unknown>, channel: string, stream: string, maxLen: number): Promise<void> {
		const json = JSON.stringify(event);
		let results: [Error | null, unknown][] | null;
		try {
			results = await this.client
				.multi()
				.publish(channel, json)
				.xadd(stream, "MAXLEN", "~", maxLen, "*", "type", event.type, "id", event.id, "event", json)
				.exec();
		} catch (err) {
			throw new Error(`Publishing ${event.type} ${event.id} to Redis failed: ${(err as Error).message}`);
		}
		const failed = (results ?? []).find(([err]) => err);
		if (!results || failed)
			throw new Error(`Publishing ${event.type} ${event.id} to Redis failed: ${failed?.[0]?.message ?? "transaction aborted"}`);
		this.metrics.published("redis", channel);
		this.metrics.published("redis", stream);
	}

	async close(): Promise<void> {
		this.closed = true;
		await this.client.quit().catch(() => this.client.disconnect());
	}
}

export interface StreamEntry {
	id: string;
	fields: Record<string, string>;
}

export interface StreamConsumerOptions {
	/** redis://... */
	url: string;
	stream: string;
	group: string;
	/** This consumer's name in the group (stable across restarts: its own pending entries are handled first). */
	consumer: string;
	/** Resolves once the entry is handled (it is then acknowledged); throws to leave it pending for a retry. */
	handler: (entry: StreamEntry) => Promise<void>;
	/** Entries pending longer than this with any consumer (a dead one, or a failed handling) are claimed. Default 30 s. */
	claimIdleMs?: number;
	/** How often to look for such entries. Default min(claimIdleMs, 5 s). */
	claimEveryMs?: number;
	/** Deliveries after which an entry goes to `<stream>:dlq` instead. Default 5. */
	maxDeliveries?: number;
	/** Entries read (and handled concurrently) per call. Default 10. */
	count?: number;
	/** How long one read blocks waiting for new entries. Default 2 s. */
	blockMs?: number;
	/** Where a new group starts: "0" (the whole stream, default: nothing added before the group existed is missed) or "$". */
	startId?: string;
	logger?: MessagingLogger;
	metrics?: MessagingMetrics;
	drainTimeoutMs?: number;
}

function fieldsOf(raw: unknown): Record<string, string> | null {
	if (!Array.isArray(raw)) return null;
	const fields: Record<string, string> = {};
	for (let i = 0; i + 1 < raw.length; i += 2) fields[String(raw[i])] = String(raw[i + 1]);
	return fields;
}

/** [[id, [field, value, ...] | null], ...] -> entries (a null: the entry was trimmed away meanwhile). */
function entriesOf(raw: unknown): Array<{ id: string; fields: Record<string, string> | null }> {
	return Array.isArray(raw) ? raw.map(e => ({ id: String((e as unknown[])[0]), fields: fieldsOf((e as unknown[])[1]) })) : [];
}

/**
 * Reads a stream through a consumer group: XREADGROUP for new entries, XACK once the handler
 * resolved. A failed entry stays pending; XAUTOCLAIM hands entries pending longer than
 * `claimIdleMs` (their consumer crashed, or their handling failed) to a live consumer, which
 * handles them again; after `maxDeliveries` an entry is moved to `<stream>:dlq` with its error.
 * On start, the consumer first handles what is still pending under its own name (it crashed
 * before acknowledging). Stop drains: no new reads, handlers in flight finish, then it disconnects.
 */
export class RedisStreamConsumer {
	private readonly reader: Redis;
	private readonly writer: Redis;
	private readonly inflight = new Map<string, Promise<void>>();
	private readonly logger: MessagingLogger;
	private readonly metrics: MessagingMetrics;
	private readonly opts: Required<Omit<StreamConsumerOptions, "logger" | "metrics">>;
	private loop: Promise<void> | null = null;
	private stopped = false;
	private groupReady = false;

	constructor(options: StreamConsumerOptions) {
		const claimIdleMs = options.claimIdleMs ?? 30_000;
		this.opts = {
			claimEveryMs: Math.min(claimIdleMs, 5000),
			maxDeliveries: 5,
			count: 10,
			blockMs: 2000,
			startId: "0",
			drainTimeoutMs: 10_000,
			...options,
			claimIdleMs
		};
		this.logger = options.logger ?? silent;
		this.metrics = options.metrics ?? noMetrics;
		// A blocking read occupies its connection: acknowledgements and claims use another one.
		this.reader = new Redis(options.url, { ...redisOptions, maxRetriesPerRequest: null });
		this.writer = new Redis(options.url, redisOptions);
		this.reader.on("error", () => undefined);
		this.writer.on("error", () => undefined);
	}

	get stream(): string {
		return this.opts.stream;
	}

	health(): string {
		if (this.stopped) return "closed";
		return this.writer.status === "ready" ? "up" : `connecting (${this.writer.status})`;
	}

	start(): void {
		this.loop ??= this.run();
	}

	private async ensureGroup(): Promise<void> {
		if (this.groupReady) return;
		try {
			await this.writer.xgroup("CREATE", this.opts.stream, this.opts.group, this.opts.startId, "MKSTREAM");
		} catch (err) {
			if (!/BUSYGROUP/.test((err as Error).message)) throw err;
		}
		this.groupReady = true;
	}

	private async run(): Promise<void> {
		const { stream, group, consumer, count, blockMs, claimEveryMs } = this.opts;
		// Own entries still pending from a previous life under the same name come first.
		let backlog: string | null = "0";
		let lastClaim = 0;
		let delay = 100;
		while (!this.stopped) {
			try {
				await this.ensureGroup();
				if (Date.now() - lastClaim >= claimEveryMs) {
					lastClaim = Date.now();
					await this.claimStale();
				}
				const args: (string | number)[] = ["GROUP", group, consumer, "COUNT", count];
				if (backlog === null) args.push("BLOCK", blockMs);
				args.push("STREAMS", stream, backlog ?? ">");
				const reply = (await this.reader.call("XREADGROUP", ...args)) as [string, unknown][] | null;
				const entries = entriesOf(reply?.[0]?.[1]);
				if (backlog !== null) backlog = entries.length ? entries[entries.length - 1].id : null;
				await Promise.all(entries.map(e => this.dispatch(e.id, e.fields, false)));
				delay = 100;
			} catch (err) {
				if (this.stopped) break;
				if (/NOGROUP/.test((err as Error).message)) this.groupReady = false;
				this.logger.warn(`Reading stream ${stream} (${group}) failed (${(err as Error).message}); retrying in ${delay} ms`);
				await sleep(delay);
				delay = Math.min(delay * 2, 5000);
			}
		}
	}

	/** Takes over entries pending too long (XAUTOCLAIM), and handles them or dead-letters the hopeless ones. */
	private async claimStale(): Promise<void> {
		const { stream, group, consumer, claimIdleMs, count } = this.opts;
		let cursor = "0-0";
		for (let round = 0; round < 100; round++) {
			const reply = (await this.writer.xautoclaim(stream, group, consumer, claimIdleMs, cursor, "COUNT", count)) as [
				string,
				unknown[]
			];
			cursor = String(reply[0]);
			// Entries this consumer is still handling are left to that handling.
			const claimed = entriesOf(reply[1]).filter(e => !this.inflight.has(e.id));
			if (claimed.length) {
				this.logger.info(`Claimed ${claimed.length} entries of ${stream} left pending too long (${group})`);
				const pending = (await this.writer.xpending(
					stream,
					group,
					claimed[0].id,
					claimed[claimed.length - 1].id,
					claimed.length * 2,
					consumer
				)) as [string, string, number, number][];
				const deliveries = new Map(pending.map(p => [String(p[0]), Number(p[3])]));
				await Promise.all(claimed.map(e => this.dispatch(e.id, e.fields, (deliveries.get(e.id) ?? 1) > this.opts.maxDeliveries)));
			}
			if (cursor === "0-0") return;
		}
	}

	private dispatch(id: string, fields: Record<string, string> | null, exhausted: boolean): Promise<void> {
		const p = this.handle(id, fields, exhausted)
			.catch((err: Error) => this.logger.error(`Entry ${id} of ${this.opts.stream} stays pending: ${err.message}`))
			.finally(() => this.inflight.delete(id));
		this.inflight.set(id, p);
		return p;
	}

	private async handle(id: string, fields: Record<string, string> | null, exhausted: boolean): Promise<void> {
		const { stream, group } = this.opts;
		// Trimmed away before anyone handled it: nothing left to do.
		if (!fields) {
			await this.writer.xack(stream, group, id);
			return;
		}
		if (exhausted) {
			await this.deadLetter(id, fields, `delivered more than ${this.opts.maxDeliveries} times without success`);
			return;
		}
		try {
			await this.opts.handler({ id, fields });
		} catch (err) {
			if (isPermanent(err)) {
				await this.deadLetter(id, fields, describeError(err));
				return;
			}
			this.logger.warn(
				`Handling entry ${id} of ${stream} failed; it is retried after ${this.opts.claimIdleMs} ms: ${describeError(err)}`
			);
			this.metrics.consumed("redis", stream, "retried");
			return;
		}
		await this.writer.xack(stream, group, id);
		this.metrics.consumed("redis", stream, "handled");
	}

	private async deadLetter(id: string, fields: Record<string, string>, error: string): Promise<void> {
		const { stream, group } = this.opts;
		this.logger.error(`Entry ${id} of ${stream} moved to ${stream}:dlq: ${error}`);
		await this.writer
			.multi()
			.xadd(`${stream}:dlq`, "*", ...Object.entries(fields).flat(), "x-id", id, "x-error", error, "x-group", group)
			.xack(stream, group, id)
			.exec();
		this.metrics.consumed("redis", stream, "dead_lettered");
	}

	/** No new reads; waits for the handlers in flight; disconnects. */
	async stop(): Promise<void> {
		if (this.stopped) return;
		this.stopped = true;
		// Interrupts a blocking read; entries it may have been given stay pending under this name.
		this.reader.disconnect();
		await this.loop?.catch(() => undefined);
		await drain(new Set(this.inflight.values()), this.opts.drainTimeoutMs);
		await this.writer.quit().catch(() => this.writer.disconnect());
	}
}
