/**
 * Login throttling per email, kept in the broker's cacher (Memory on one node, Redis across nodes).
 *
 * Every attempt is counted before the password is checked and a success clears the count, so what
 * remains counted are failures, and a burst of parallel guesses cannot all slip through before the
 * first one is recorded. Once `maxFailures` attempts are counted, the email is locked for `lockMs`
 * (from the attempt that reached the limit) and further attempts get a 429 with Retry-After; this
 * holds for unknown emails too, so the answer does not reveal whether an account exists.
 *
 * On Redis the count is one atomic server-side INCR (a Lua script), so parallel attempts on several
 * nodes are counted exactly. On any other cacher it is get + set, which is atomic within one process
 * for the Memory cacher (no I/O between the two calls).
 */
import { createHash } from "node:crypto";
import { TooManyRequestsError } from "../errors";

export interface ThrottleCacher {
	get(key: string): Promise<unknown>;
	set(key: string, value: unknown, ttlSeconds?: number): Promise<unknown>;
	del(key: string | string[]): Promise<unknown>;
	prefix?: string;
	client?: unknown;
}

interface RedisLike {
	eval(script: string, numKeys: number, ...args: Array<string | number>): Promise<unknown>;
	del(key: string): Promise<unknown>;
}

interface Counter {
	count: number;
	resetAt: number;
}

const INCR_SCRIPT = `
local n = redis.call('INCR', KEYS[1])
if n == 1 or n == tonumber(ARGV[2]) or redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return {n, redis.call('PTTL', KEYS[1])}`;

/** Used only when the broker has no cacher: counts per process. */
export function localCacher(): ThrottleCacher {
	const items = new Map<string, { value: unknown; expires: number }>();
	return {
		async get(key) {
			const item = items.get(key);
			if (item && item.expires > Date.now()) return item.value;
			items.delete(key);
			return null;
		},
		async set(key, value, ttlSeconds = 300) {
			items.set(key, { value, expires: Date.now() + ttlSeconds * 1000 });
			return value;
		},
		async del(key) {
			for (const k of Array.isArray(key) ? key : [key]) items.delete(k);
		}
	};
}

export class LoginThrottle {
	private readonly redis: RedisLike | null;

	constructor(
		private readonly cacher: ThrottleCacher,
		private readonly maxFailures: number,
		private readonly lockMs: number
	) {
		const client = cacher.client as Partial<RedisLike> | undefined;
		this.redis = client && typeof client.eval === "function" && typeof client.del === "function" ? (client as RedisLike) : null;
	}

	/** Counts an attempt for this (normalized) email; throws TooManyRequestsError while it is locked. */
	async attempt(email: string): Promise<void> {
		if (this.maxFailures <= 0) return;
		const { count, resetAt } = this.redis ? await this.incrRedis(email) : await this.incrCacher(email);
		if (count > this.maxFailures) {
			const retryAfter = Math.max(1, Math.ceil((resetAt - Date.now()) / 1000));
			throw new TooManyRequestsError(`Too many failed login attempts, try again in ${retryAfter} seconds`, retryAfter);
		}
	}

	/** A successful login (or password check) clears the count. */
	async succeeded(email: string): Promise<void> {
		if (this.redis) await this.redis.del(this.redisKey(email));
		else await this.cacher.del(this.key(email));
	}

	private key(email: string): string {
		// Hashed so that no email address ends up in cache keys (Redis KEYS, logs).
		return `users:login-attempts:${createHash("sha256").update(email).digest("hex")}`;
	}

	private redisKey(email: string): string {
		return `${this.cacher.prefix ?? ""}${this.key(email)}`;
	}

	private async incrRedis(email: string): Promise<Counter> {
		const [count, ttl] = (await this.redis!.eval(INCR_SCRIPT, 1, this.redisKey(email), this.lockMs, this.maxFailures)) as [
			number,
			number
		];
		return { count: Number(count), resetAt: Date.now() + Math.max(0, Number(ttl)) };
	}

	private async incrCacher(email: string): Promise<Counter> {
		const now = Date.now();
		const key = this.key(email);
		const stored = (await this.cacher.get(key)) as Counter | null;
		if (stored && stored.count > this.maxFailures && stored.resetAt > now) return stored;
		const count = stored && stored.resetAt > now ? stored.count + 1 : 1;
		const resetAt = count === 1 || count === this.maxFailures ? now + this.lockMs : stored!.resetAt;
		const next: Counter = { count, resetAt };
		await this.cacher.set(key, next, Math.max(1, Math.ceil((resetAt - now) / 1000)));
		return next;
	}
}
