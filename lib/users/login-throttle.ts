/**
 * Login throttling per account AND client address, so that a stranger's wrong passwords lock only
 * the stranger's address for that account, never the owner signing in from elsewhere.
 *
 * Policy, for one (email, address): only failed password checks count; a correct password never
 * does. The first `maxFailures` failures are free; the failure that reaches it locks the pair for
 * `firstDelayMs`, and every further failure locks it twice as long as the one before, at most
 * `lockMs`. While locked, attempts are answered 429 with Retry-After without checking the password
 * (and are not counted). A successful login from that address clears its record; a record is
 * forgotten `lockMs` after its last failure or the end of its last lock. Unknown emails are
 * throttled the same way, so the answers do not reveal which accounts exist.
 *
 * Parallel attempts: each one reserves a place before its password check, and only as many checks
 * may run at once as failures are left before the next lock. Further attempts wait (briefly) for a
 * place instead of being refused: a burst of guesses cannot run more checks than the budget, and a
 * burst of correct logins all succeed, since each success clears the record for the next ones.
 *
 * There is no per-account ceiling across addresses: whoever controls enough addresses could reach
 * it and lock the owner out again, which is what this policy exists to prevent.
 */
import { createHash, randomUUID } from "node:crypto";
import { TooManyRequestsError } from "../errors";
import { throttleAddress } from "../client-address";
import { MemoryThrottleStore, RedisThrottleStore, type Change, type ThrottleState, type ThrottleStore } from "./throttle-store";

export interface ThrottlePolicy {
	/** Failures allowed before the first lock; 0 turns throttling off. */
	maxFailures: number;
	/** The longest lock, and how long a record is remembered after its last failure or lock. */
	lockMs: number;
	/** The first lock; each following one doubles it. */
	firstDelayMs: number;
	/** How long an attempt may wait for a place while others of the same pair are being checked. */
	maxWaitMs?: number;
}

/** The broker's cacher, as far as the throttle looks at it: a Redis one has an ioredis `client`. */
export interface ThrottleCacher {
	prefix?: string;
	client?: unknown;
}

type Reservation = { kind: "reserved"; id: string } | { kind: "locked"; retryAfterMs: number } | { kind: "busy" };

/** A reservation of a node that died mid-check lapses after this long. */
const PENDING_TTL_MS = 30_000;
const POLL_MS = 20;
const DEFAULT_MAX_WAIT_MS = 5_000;

/** Redis (shared by every node) when the broker's cacher is Redis, else this process's memory. */
export function throttleStoreFor(cacher: ThrottleCacher | undefined | null): ThrottleStore {
	const client = cacher?.client as { get?: unknown; eval?: unknown } | undefined;
	if (client && typeof client.get === "function" && typeof client.eval === "function")
		return new RedisThrottleStore(client as ConstructorParameters<typeof RedisThrottleStore>[0], cacher?.prefix ?? "");
	return new MemoryThrottleStore();
}

export class LoginThrottle {
	private readonly maxWaitMs: number;

	constructor(
		private readonly store: ThrottleStore,
		private readonly policy: ThrottlePolicy
	) {
		this.maxWaitMs = policy.maxWaitMs ?? DEFAULT_MAX_WAIT_MS;
	}

	/**
	 * Runs `check` (the password check) for this email from this address, unless the pair is locked
	 * (429). A null answer is a failure and is counted; anything else is a success and clears the
	 * record. An error thrown by `check` counts nothing.
	 */
	async guard<T>(
		email: string,
		address: string | undefined | null,
		check: () => Promise<T | null | undefined | false>
	): Promise<T | null> {
		if (this.policy.maxFailures <= 0) return (await check()) || null;
		const key = this.key(email, address);
		const id = await this.reserve(key);
		let result: T | null | undefined | false;
		try {
			result = await check();
		} catch (err) {
			await this.store.update(key, state => this.release(state, id));
			throw err;
		}
		if (result) {
			await this.store.update(key, () => ({ next: null, ttlMs: 0, result: undefined }));
			return result;
		}
		await this.store.update(key, (state, now) => this.failed(state, id, now));
		return null;
	}

	close(): void {
		this.store.close();
	}

	private key(email: string, address: string | undefined | null): string {
		// Hashed so that no email address or client address ends up in cache keys (Redis KEYS, logs).
		const digest = createHash("sha256")
			.update(`${email}\n${throttleAddress(address)}`)
			.digest("hex");
		return `users:login-throttle:${digest}`;
	}

	/** Waits for a place among the checks in flight; throws 429 while the pair is locked. */
	private async reserve(key: string): Promise<string> {
		const id = randomUUID();
		const deadline = Date.now() + this.maxWaitMs;
		for (;;) {
			const r = await this.store.update(key, (state, now) => this.tryReserve(state, id, now));
			if (r.kind === "reserved") return id;
			if (r.kind === "locked") throw tooMany(r.retryAfterMs);
			if (Date.now() >= deadline) throw tooMany(1000);
			await new Promise(resolve => setTimeout(resolve, POLL_MS));
		}
	}

	private tryReserve(current: ThrottleState | null, id: string, now: number): Change<Reservation> {
		const state = live(current, now);
		if (state.lockedUntil > now)
			return { next: current, ttlMs: this.ttl(state, now), result: { kind: "locked", retryAfterMs: state.lockedUntil - now } };
		// As many checks at once as failures are left before the next lock (one, once past the first lock).
		const budget = Math.max(1, this.policy.maxFailures - state.failures);
		if (Object.keys(state.pending).length >= budget) return { next: state, ttlMs: this.ttl(state, now), result: { kind: "busy" } };
		const next = { ...state, pending: { ...state.pending, [id]: now + PENDING_TTL_MS } };
		return { next, ttlMs: this.ttl(next, now), result: { kind: "reserved", id } };
	}

	private failed(current: ThrottleState | null, id: string, now: number): Change<undefined> {
		const state = live(current, now);
		const pending = { ...state.pending };
		delete pending[id];
		const failures = state.failures + 1;
		const over = failures - this.policy.maxFailures;
		const lockedUntil =
			over >= 0 ? now + Math.min(this.policy.lockMs, this.policy.firstDelayMs * 2 ** Math.min(over, 40)) : state.lockedUntil;
		const next = { failures, lockedUntil, pending };
		return { next, ttlMs: this.ttl(next, now), result: undefined };
	}

	private release(current: ThrottleState | null, id: string): Change<undefined> {
		if (!current || !(id in current.pending)) return { next: current, ttlMs: 1, result: undefined };
		const pending = { ...current.pending };
		delete pending[id];
		const next = { ...current, pending };
		return { next, ttlMs: this.ttl(next, Date.now()), result: undefined };
	}

	/** Kept until `lockMs` after the later of now and the end of the lock, and while a reservation is open. */
	private ttl(state: ThrottleState, now: number): number {
		const lastPending = Math.max(now, ...Object.values(state.pending));
		return Math.max(Math.max(now, state.lockedUntil) + this.policy.lockMs, lastPending) - now;
	}
}

/** The record without lapsed reservations (an empty one when there is none). */
function live(state: ThrottleState | null, now: number): ThrottleState {
	if (!state) return { failures: 0, lockedUntil: 0, pending: {} };
	const pending: Record<string, number> = {};
	for (const [id, until] of Object.entries(state.pending)) if (until > now) pending[id] = until;
	return { ...state, pending };
}

function tooMany(retryAfterMs: number): TooManyRequestsError {
	const retryAfter = Math.max(1, Math.ceil(retryAfterMs / 1000));
	return new TooManyRequestsError(`Too many failed login attempts, try again in ${retryAfter} seconds`, retryAfter);
}
