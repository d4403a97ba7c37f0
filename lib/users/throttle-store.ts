/**
 * Where the login throttle keeps its state: one small record per (account, client address),
 * changed only through `update`, which applies a pure function atomically.
 *
 * In this process's memory (one node), or in Redis when the broker's cacher is Redis (several
 * nodes): there the record is read, the function computes the next one, and a server-side
 * compare-and-set (a Lua script) writes it only if nobody changed it meanwhile; otherwise it is
 * read and computed again. The policy lives in one place (login-throttle.ts) for both stores.
 */

/** The failures of one account from one address, and the attempts in flight. */
export interface ThrottleState {
	/** Failed attempts since the last success from this address (or since the record was forgotten). */
	failures: number;
	/** Attempts are refused until then (ms since the epoch); 0 when not locked. */
	lockedUntil: number;
	/** Attempts whose password check is running: reservation id -> when it lapses (a node that died). */
	pending: Record<string, number>;
}

export interface Change<T> {
	/** The record to store, or null to delete it. */
	next: ThrottleState | null;
	/** How long the stored record is kept (ms). */
	ttlMs: number;
	result: T;
}

export type Updater<T> = (current: ThrottleState | null, now: number) => Change<T>;

export interface ThrottleStore {
	update<T>(key: string, fn: Updater<T>): Promise<T>;
	close(): void;
}

/** Per process: a Map, changed synchronously (nothing else runs between the read and the write). */
export class MemoryThrottleStore implements ThrottleStore {
	private readonly items = new Map<string, { state: ThrottleState; expires: number }>();
	private readonly timer: NodeJS.Timeout;

	constructor(pruneEveryMs = 60_000) {
		this.timer = setInterval(() => this.prune(), pruneEveryMs);
		this.timer.unref();
	}

	async update<T>(key: string, fn: Updater<T>): Promise<T> {
		const now = Date.now();
		const item = this.items.get(key);
		const current = item && item.expires > now ? item.state : null;
		const { next, ttlMs, result } = fn(current, now);
		if (next) this.items.set(key, { state: next, expires: now + ttlMs });
		else this.items.delete(key);
		return result;
	}

	get size(): number {
		return this.items.size;
	}

	prune(now = Date.now()): void {
		for (const [key, item] of this.items) if (item.expires <= now) this.items.delete(key);
	}

	close(): void {
		clearInterval(this.timer);
		this.items.clear();
	}
}

export interface RedisClientLike {
	get(key: string): Promise<string | null>;
	eval(script: string, numKeys: number, ...args: Array<string | number>): Promise<unknown>;
}

/** Writes ARGV[2] (or deletes, when empty) only if the key still holds ARGV[1] ('' = absent). */
const COMPARE_AND_SET = `
local current = redis.call('GET', KEYS[1])
if (current or '') ~= ARGV[1] then return 0 end
if ARGV[2] == '' then redis.call('DEL', KEYS[1]) else redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) end
return 1`;

/** Concurrent changes of one record retry; this many lost races in a row is an error. */
const MAX_TRIES = 100;

export class RedisThrottleStore implements ThrottleStore {
	constructor(
		private readonly client: RedisClientLike,
		private readonly prefix: string
	) {}

	async update<T>(key: string, fn: Updater<T>): Promise<T> {
		const redisKey = this.prefix + key;
		for (let i = 0; i < MAX_TRIES; i++) {
			const raw = await this.client.get(redisKey);
			const { next, ttlMs, result } = fn(raw ? (JSON.parse(raw) as ThrottleState) : null, Date.now());
			const encoded = next ? JSON.stringify(next) : "";
			if (encoded === (raw ?? "")) return result;
			const written = await this.client.eval(COMPARE_AND_SET, 1, redisKey, raw ?? "", encoded, Math.max(1, Math.ceil(ttlMs)));
			if (Number(written) === 1) return result;
		}
		throw new Error(`Login throttle: record changed concurrently ${MAX_TRIES} times in a row`);
	}

	close(): void {}
}
