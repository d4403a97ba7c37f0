/**
 * Rate limiting at the gateway: fixed windows per key (a client IP, or a user id), counted in this
 * process's memory, or in Redis when REDIS_URL is set so that every gateway node shares the counts.
 * Both stores fit moleculer-web's `rateLimit.StoreFactory` (constructed with the window, the route's
 * rateLimit options and the broker; `inc(key)` answers the count within the current window) and
 * remember when each key's window ends, for an exact Retry-After.
 */
import type { IncomingMessage } from "node:http";
import type Redis from "ioredis";

export interface RateLimitStore {
	/** Counts one hit for the key and answers the hits of its current window. */
	inc(key: string): number | Promise<number>;
	/** moleculer-web's X-Rate-Limit-Reset header: when the window of the key counted last ends. */
	resetTime: number;
	/** When the current window of this key ends (ms since epoch). */
	resetAt(key: string): number;
	/** Resolves once the store can count (at most after `timeoutMs`; counting fails open until then). */
	ready(timeoutMs: number): Promise<void>;
	close(): Promise<void>;
}

export interface StoreOptions {
	/** Keys of this store are prefixed with it (route group and namespace), so stores never share counts. */
	prefix: string;
	redisUrl?: string | null;
	logger?: { warn(...args: unknown[]): void };
}

/** Per-key fixed windows in this process; expired keys are pruned once per window. */
export class MemoryRateLimitStore implements RateLimitStore {
	resetTime = 0;
	private readonly hits = new Map<string, { count: number; resetAt: number }>();
	private readonly timer: NodeJS.Timeout;

	constructor(private readonly windowMs: number) {
		this.timer = setInterval(() => this.prune(), Math.max(windowMs, 1000));
		this.timer.unref();
	}

	inc(key: string): number {
		const now = Date.now();
		let entry = this.hits.get(key);
		if (!entry || entry.resetAt <= now) {
			entry = { count: 0, resetAt: now + this.windowMs };
			this.hits.set(key, entry);
		}
		this.resetTime = entry.resetAt;
		return ++entry.count;
	}

	resetAt(key: string): number {
		return this.hits.get(key)?.resetAt ?? Date.now() + this.windowMs;
	}

	async ready(): Promise<void> {}

	prune(now = Date.now()): void {
		for (const [key, entry] of this.hits) if (entry.resetAt <= now) this.hits.delete(key);
	}

	async close(): Promise<void> {
		clearInterval(this.timer);
		this.hits.clear();
	}
}

/** INCR and, for the first hit of a window, PEXPIRE in one atomic step; answers the count and the window's remaining ms. */
const INCR_SCRIPT = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return { n, ttl }`;

type RedisWithIncr = Redis & { rateLimitIncr(key: string, windowMs: number): Promise<[number, number]> };

/** One connection per Redis URL in this process, shared by every store, closed with the last one. */
const connections = new Map<string, { client: RedisWithIncr; users: number }>();

function connect(url: string): RedisWithIncr {
	let entry = connections.get(url);
	if (!entry) {
		// A limiter must not hang requests while Redis is away: no offline queue, one try per command.
		// Loaded only with REDIS_URL: ioredis adds about 20 MB to a process that does not use it.
		// eslint-disable-next-line @typescript-eslint/no-require-imports
		const RedisClient = (require("ioredis") as { default: typeof Redis }).default;
		const client = new RedisClient(url, { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: false }) as RedisWithIncr;
		client.defineCommand("rateLimitIncr", { numberOfKeys: 1, lua: INCR_SCRIPT });
		client.on("error", () => undefined); // reported per call below; ioredis reconnects by itself
		entry = { client, users: 0 };
		connections.set(url, entry);
	}
	entry.users++;
	return entry.client;
}

async function release(url: string): Promise<void> {
	const entry = connections.get(url);
	if (!entry || --entry.users > 0) return;
	connections.delete(url);
	await entry.client.quit().catch(() => entry.client.disconnect());
}

/**
 * Counts in Redis, so a limit holds across gateway nodes. When Redis does not answer, the request
 * is let through (logged once per outage): an unavailable limiter must not take the API down.
 */
export class RedisRateLimitStore implements RateLimitStore {
	resetTime = 0;
	private readonly client: RedisWithIncr;
	private readonly url: string;
	private readonly prefix: string;
	private readonly logger?: StoreOptions["logger"];
	private readonly resets = new Map<string, number>();
	private readonly timer: NodeJS.Timeout;
	private failing = false;

	constructor(
		private readonly windowMs: number,
		opts: Partial<StoreOptions> = {}
	) {
		if (!opts.redisUrl) throw new Error("RedisRateLimitStore needs redisUrl");
		this.url = opts.redisUrl;
		this.prefix = opts.prefix ?? "rl";
		this.logger = opts.logger;
		this.client = connect(this.url);
		this.timer = setInterval(
			() => {
				const now = Date.now();
				for (const [key, at] of this.resets) if (at <= now) this.resets.delete(key);
			},
			Math.max(windowMs, 1000)
		);
		this.timer.unref();
	}

	async inc(key: string): Promise<number> {
		try {
			const [count, ttl] = await this.client.rateLimitIncr(`${this.prefix}:${key}`, this.windowMs);
			const resetAt = Date.now() + Number(ttl);
			this.resets.set(key, resetAt);
			this.resetTime = resetAt;
			if (this.failing) {
				this.failing = false;
				this.logger?.warn("Rate-limit store: Redis answers again");
			}
			return Number(count);
		} catch (err) {
			if (!this.failing) {
				this.failing = true;
				this.logger?.warn(
					`Rate-limit store: Redis is not answering, requests are not limited meanwhile (${(err as Error).message})`
				);
			}
			return 0;
		}
	}

	resetAt(key: string): number {
		return this.resets.get(key) ?? Date.now() + this.windowMs;
	}

	ready(timeoutMs: number): Promise<void> {
		if (this.client.status === "ready") return Promise.resolve();
		return new Promise(resolve => {
			const done = () => {
				clearTimeout(timer);
				this.client.off("ready", done);
				resolve();
			};
			const timer = setTimeout(() => {
				this.logger?.warn(`Rate-limit store: Redis not ready after ${timeoutMs} ms; requests are not limited until it is`);
				done();
			}, timeoutMs);
			this.client.once("ready", done);
		});
	}

	async close(): Promise<void> {
		clearInterval(this.timer);
		await release(this.url);
	}
}

/** The store for a limit: Redis when a URL is given, else memory. */
export function createRateLimitStore(windowMs: number, opts: StoreOptions): RateLimitStore {
	return opts.redisUrl ? new RedisRateLimitStore(windowMs, opts) : new MemoryRateLimitStore(windowMs);
}

/** moleculer-web's `rateLimit.StoreFactory` for this configuration (it passes the route's rateLimit options as `opts`). */
export function storeFactory(redisUrl: string | null | undefined): typeof MemoryRateLimitStore | typeof RedisRateLimitStore {
	return redisUrl ? RedisRateLimitStore : MemoryRateLimitStore;
}

/**
 * The client's address: the socket's peer, or with `trustProxyHops` > 0 the address that many
 * proxies back in X-Forwarded-For (each proxy appends the peer it saw, so the rightmost entries
 * are the trusted ones and anything further left may be forged by the client).
 */
export function clientIp(req: IncomingMessage, trustProxyHops: number): string {
	const peer = req.socket.remoteAddress ?? "unknown";
	if (trustProxyHops <= 0) return peer;
	const header = req.headers["x-forwarded-for"];
	const chain = (Array.isArray(header) ? header.join(",") : (header ?? ""))
		.split(",")
		.map(s => s.trim())
		.filter(Boolean);
	if (!chain.length) return peer;
	return chain[Math.max(0, chain.length - trustProxyHops)];
}

/** Seconds until the window of `key` in `store` ends (at least 1). */
export function retryAfterSeconds(store: RateLimitStore | undefined, key: string | undefined, fallbackMs: number): number {
	const at = store && key !== undefined ? store.resetAt(key) : Date.now() + fallbackMs;
	return Math.max(1, Math.ceil((at - Date.now()) / 1000));
}
