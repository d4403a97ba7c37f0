/**
 * The transactional outbox of one service. A domain event is recorded in the same transaction as
 * the change it announces (`write`), then delivered by a relay to the Moleculer bus and to every
 * configured broker; its record is removed only once all of them took it. So a crash, a broker
 * down or a failed publish never loses an event that a committed change announced: the record
 * stays, and the relay retries it with backoff until it goes through (at least once; consumers
 * skip what they already handled, lib/outbox/inbox.ts).
 *
 * Delivery paths:
 * - right after the commit, the writing node delivers the events it recorded (no read back): the
 *   fast path, which the request does not wait for;
 * - a poller takes records whose lease ran out (the writer died before delivering, or a delivery
 *   failed and its backoff has passed), claims each with a conditional update so that with several
 *   replicas only one delivers it, and delivers them oldest first, one subject at a time in order.
 *
 * Without transactions (a standalone MongoDB server) the event is recorded right after the change
 * instead of with it; a crash between the two writes loses it. docs/architecture.md says so.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { createEvent, type DomainEvent, type EventOrigin } from "../events";
import { TransactionsUnsupportedError, type Doc, type Store } from "../store";
import type { OutboxRecord } from "./collections";
import type { RelayLane } from "./relay-lane";

export interface OutboxWrite {
	/** The view of one of the service's stores that writes in this transaction. */
	bind<T extends Doc>(store: Store<T>): Store<T>;
	/** Records an event to be delivered once the transaction commits; answers its envelope. */
	stage<T>(type: string, subject: string, data: T, origin?: EventOrigin): DomainEvent<T>;
	/** False where the database runs no transactions: the writes are then only ordered. */
	readonly atomic: boolean;
}

export interface OutboxSettings {
	/** How often the poller looks for records to (re)deliver. */
	pollMs: number;
	/** How long a record waits for the node that wrote (or claimed) it before another relay takes it. */
	leaseMs: number;
	/** Backoff after a failed delivery: 500 ms doubling per attempt, at most this. */
	retryMaxMs: number;
	/** Records one poll takes. */
	batch: number;
}

export interface OutboxLogger {
	info(...args: unknown[]): void;
	warn(...args: unknown[]): void;
	error(...args: unknown[]): void;
}

export interface OutboxOptions {
	/** The emitting service: the events' `source`. */
	source: string;
	records: Store<OutboxRecord>;
	/** Hands an event to the bus and the brokers; resolves once all of them took it. */
	/**
	 * Hands an event to the bus and the brokers; resolves once all of them took it. `first`: the
	 * writer's own delivery right after its commit, which no one can have received before.
	 */
	deliver(event: DomainEvent<unknown>, first: boolean): Promise<void>;
	settings: OutboxSettings;
	logger: OutboxLogger;
	/** Told after each poll how many records wait (for the backlog gauge). */
	onBacklog?(pending: number): void;
	/** Told of every failed delivery. */
	onFailure?(event: DomainEvent<unknown>): void;
	/** Where the deliveries after a commit wait for their turn (lib/outbox/relay-lane.ts); without one they start at once. */
	lane?: RelayLane;
}

interface ActiveWrite {
	outbox: Outbox;
	scope: OutboxWrite;
	staged: OutboxRecord[];
}

/** The write in progress on this async path, so a nested write (or `stage` from inside one) joins it. */
const active = new AsyncLocalStorage<ActiveWrite>();

const RETRY_BASE_MS = 500;

export class Outbox {
	private transactions = true;
	private timer: NodeJS.Timeout | null = null;
	private polling: Promise<void> | null = null;
	private stopped = false;
	/** The last record's createdAt: strictly increasing, so the records of one writer keep their order. */
	private lastCreatedAt = 0;
	/** Records this node is delivering now (not to be taken again by its own poller). */
	private readonly inflight = new Map<string, Promise<void>>();
	/** Delivered records, removed together once per event-loop turn. */
	private sent: string[] = [];
	/**
	 * Records this node's poller must not take, though their lease may have run out: those of writes
	 * still in progress (the poller reads on the writer's connection where the store has one, and a
	 * batch commit can come long after the staging under load) or committed and waiting in the lane
	 * for their first delivery (`writing`), and those delivered whose removal has not completed.
	 * Another node's relay can still take them once their lease ran out: at least once.
	 */
	private readonly writing = new Set<string>();
	private readonly awaitingRemoval = new Set<string>();
	private removing: Promise<void> | null = null;

	constructor(private readonly opts: OutboxOptions) {}

	/**
	 * Runs `work` as one transaction of the service's database, the events it stages included;
	 * delivers them after the commit. A write started inside another one (same async path) joins it.
	 * `origin` is the request (and span, when traced) the events carry: lib/tracing/origin.ts.
	 */
	async write<R>(work: (w: OutboxWrite) => Promise<R>, origin?: EventOrigin): Promise<R> {
		const outer = active.getStore();
		if (outer?.outbox === this) return work(outer.scope);
		const staged: OutboxRecord[] = [];
		const run = async (bind: OutboxWrite["bind"], atomic: boolean) => {
			const scope: OutboxWrite = {
				bind,
				atomic,
				stage: (type, subject, data, own) => {
					const event = createEvent(this.opts.source, type, subject, data, own ?? origin);
					staged.push(this.recordOf(event as DomainEvent<unknown>));
					this.writing.add(event.id);
					return event;
				}
			};
			return active.run({ outbox: this, scope, staged }, () => work(scope));
		};
		let result: R;
		try {
			result = await this.recordWithChange(run, staged);
		} catch (err) {
			for (const record of staged) this.writing.delete(record.id);
			throw err;
		}
		// Each stays in `writing` until its delivery starts.
		for (const record of staged) this.relay(record);
		return result;
	}

	/** The change and its staged events in one transaction, or one after the other where there are none. */
	private async recordWithChange<R>(run: (bind: OutboxWrite["bind"], atomic: boolean) => Promise<R>, staged: OutboxRecord[]): Promise<R> {
		if (!this.transactions) return this.unsafeWrite(run, staged);
		try {
			return await this.opts.records.transaction(async tx => {
				const r = await run(store => tx.bind(store), true);
				const records = tx.bind(this.opts.records);
				for (const record of staged) await records.insert(record);
				return r;
			});
		} catch (err) {
			if (!(err instanceof TransactionsUnsupportedError)) throw err;
			// Concurrent writes may all learn it at once: said once.
			if (this.transactions)
				this.opts.logger.warn(
					`The database of ${this.opts.source} runs no transactions: events are recorded right after their change`
				);
			this.transactions = false;
			// Started over: what the failed attempt staged was never stored.
			for (const record of staged.splice(0)) this.writing.delete(record.id);
			return this.unsafeWrite(run, staged);
		}
	}

	/** Records one event: in the write in progress when there is one, else in a write of its own. */
	stage<T>(type: string, subject: string, data: T, origin?: EventOrigin): Promise<DomainEvent<T>> {
		const current = active.getStore();
		if (current?.outbox === this) return Promise.resolve(current.scope.stage(type, subject, data, origin));
		return this.write(async w => w.stage(type, subject, data), origin);
	}

	/**
	 * Starts the poller (first pass after one interval, when the node's services are up). What a
	 * previous run of this node left under lease is taken once the lease has run out (OUTBOX_LEASE_MS).
	 */
	start(): void {
		this.stopped = false;
		if (this.timer || !this.opts.settings.pollMs) return;
		this.timer = setInterval(() => {
			this.polling ??= this.poll()
				.then(() => undefined)
				.catch(err => this.opts.logger.warn(`Outbox poll of ${this.opts.source} failed: ${(err as Error).message}`))
				.finally(() => (this.polling = null));
		}, this.opts.settings.pollMs);
		this.timer.unref();
	}

	/** Stops polling and waits for the deliveries in flight (what is left is delivered after the next start). */
	async stop(): Promise<void> {
		this.stopped = true;
		if (this.timer) clearInterval(this.timer);
		this.timer = null;
		this.opts.lane?.flush(this);
		await this.polling;
		await Promise.allSettled([...this.inflight.values()]);
		await this.flushSent();
	}

	/** One pass: delivers every record whose lease or backoff has run out, oldest first. */
	async poll(now = Date.now()): Promise<number> {
		const { records, settings } = this.opts;
		const due = await records.find({
			where: { nextAttemptAt: { lte: now } },
			sort: [
				["createdAt", "asc"],
				["id", "asc"]
			],
			limit: settings.batch
		});
		const blocked = new Set<string>();
		let delivered = 0;
		for (const record of due) {
			if (this.stopped) break;
			if (this.awaitingRemoval.has(record.id)) continue; // delivered, its removal under way
			// A later event of a subject waits while an earlier one of it is held up (Kafka keeps their order).
			if (this.writing.has(record.id) || this.inflight.has(record.id) || blocked.has(record.subject)) {
				blocked.add(record.subject);
				continue;
			}
			const claimed = await records.updateById(
				record.id,
				{ set: { nextAttemptAt: now + settings.leaseMs } },
				{ nextAttemptAt: record.nextAttemptAt }
			);
			if (!claimed) continue; // another relay took it
			const ok = await this.dispatch(claimed, false);
			if (ok) delivered++;
			else blocked.add(record.subject);
		}
		this.opts.onBacklog?.(await records.count());
		return delivered;
	}

	/** Records waiting for delivery (sent ones are removed). */
	pending(): Promise<number> {
		return this.opts.records.count();
	}

	private recordOf(event: DomainEvent<unknown>): OutboxRecord {
		const now = Date.now();
		this.lastCreatedAt = Math.max(now, this.lastCreatedAt + 0.001);
		return {
			id: event.id,
			type: event.type,
			subject: event.subject,
			event,
			createdAt: this.lastCreatedAt,
			attempts: 0,
			nextAttemptAt: now + this.opts.settings.leaseMs
		};
	}

	/** Without transactions: the change first, then its events (a crash between the two loses them). */
	private async unsafeWrite<R>(run: (bind: OutboxWrite["bind"], atomic: boolean) => Promise<R>, staged: OutboxRecord[]): Promise<R> {
		const result = await run(store => store, false);
		for (const record of staged) await this.opts.records.insert(record);
		return result;
	}

	/**
	 * The delivery right after the commit, in the lane's next turn. It counts as the first (consumers
	 * skip their inbox lookup) only while the record's lease holds: after it, another relay may have
	 * taken the record.
	 */
	private relay(record: OutboxRecord): void {
		const start = (first: boolean) => {
			this.writing.delete(record.id);
			void this.dispatch(record, first);
		};
		const lane = this.opts.lane;
		if (lane) lane.add(this, () => start(Date.now() < record.nextAttemptAt));
		else start(true);
	}

	/** Delivers one record; resolves true once it went everywhere (its record then goes), false after a failure. */
	private dispatch(record: OutboxRecord, first: boolean): Promise<boolean> {
		let delivering: Promise<void>;
		try {
			delivering = this.opts.deliver(record.event, first);
		} catch (err) {
			delivering = Promise.reject(err);
		}
		const running = delivering
			.then(() => {
				this.markSent(record.id);
				return true;
			})
			.catch(async (err: Error) => {
				const attempts = (record.attempts ?? 0) + 1;
				const backoff = Math.min(RETRY_BASE_MS * 2 ** (attempts - 1), this.opts.settings.retryMaxMs);
				this.opts.onFailure?.(record.event);
				this.opts.logger.warn(
					`Delivering ${record.type} ${record.id} failed (attempt ${attempts}, next in ${backoff} ms): ${err?.message ?? err}`
				);
				await this.opts.records
					.updateById(record.id, {
						set: { attempts, nextAttemptAt: Date.now() + backoff, lastError: String(err?.message ?? err).slice(0, 500) }
					})
					.catch(() => undefined); // the lease runs out instead
				return false;
			})
			.finally(() => this.inflight.delete(record.id));
		this.inflight.set(
			record.id,
			running.then(() => undefined)
		);
		return running;
	}

	private markSent(id: string): void {
		this.sent.push(id);
		this.awaitingRemoval.add(id);
		if (this.sent.length === 1) setImmediate(() => void this.flushSent());
	}

	/** Removes the records delivered since the last flush, in one write. */
	private async flushSent(): Promise<void> {
		await this.removing;
		if (!this.sent.length) return;
		const ids = this.sent;
		this.sent = [];
		// Deferrable: a removal lost in a crash only delivers the events again, which consumers skip.
		this.removing = this.opts.records
			.removeMany({ id: { in: ids } }, { deferrable: true })
			.then(() => undefined)
			.catch(err => {
				// Left in place, they are delivered again once their lease runs out: at least once.
				this.opts.logger.warn(`Removing ${ids.length} delivered outbox record(s) failed: ${(err as Error).message}`);
			})
			.finally(() => {
				this.removing = null;
				for (const id of ids) this.awaitingRemoval.delete(id);
			});
		await this.removing;
	}
}
