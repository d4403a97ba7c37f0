import { AsyncLocalStorage } from "node:async_hooks";

/**
 * Starts the outbox's fast-path deliveries of a flow's steps in short turns of the event loop, so
 * that requests get in between them.
 *
 * A delivery runs its consumers' handlers, whose writes record more events, whose deliveries run
 * more handlers: under load, one turn of the event loop ran a long line of other orders' background
 * steps while the requests that had arrived waited for the next poll, and a slow moment of the
 * machine held every answer up. The lane queues those deliveries and starts them in turns of their
 * own (setImmediate), each `turnMs` long to begin with (the delivery started last may run past it;
 * what a started delivery does after its first await is not counted), so a request waits for about
 * one turn of them at most. Under a load the node cannot keep up with, the deliveries fall behind
 * instead of the answers, but not for ever: a turn grows with the wait of the oldest delivery in
 * line, to ten times `turnMs` once it has waited `lagMs` and on in proportion, so the deliveries
 * catch up and the backlog (and the memory it holds) stays bounded; the answers then slow down
 * smoothly, without a burst of every late delivery in one turn. The records are committed before
 * they wait, so nothing is lost, and the outbox's backlog gauge counts them. With `turnMs` 0 every
 * delivery starts at once.
 *
 * Only the steps of a flow wait: an event recorded by a request (or a timer) starts its delivery at
 * once, as before, so what a request sets off begins in its own turn (a product created in the
 * admin has its stock record a moment later, not after a line of other orders' steps); the events
 * recorded by the handlers a delivery runs wait in the lane.
 */
export class RelayLane {
	private readonly queue: Array<{ owner: object; at: number; start(): void } | undefined> = [];
	private head = 0;
	private scheduled = false;

	constructor(
		readonly turnMs: number,
		readonly lagMs = 500
	) {}

	/**
	 * Queues `start` when the caller is a step of a flow; starts it at once, as a step, when a request
	 * (or a timer) recorded the event, or when the lane has no turn length. `start` must not throw.
	 */
	add(owner: object, start: () => void): void {
		if (this.turnMs <= 0) return start();
		// Set off by a request: at once, as the first step of its flow.
		if (!inLane.getStore()) return asFlowStep(start);
		this.queue.push({ owner, at: performance.now(), start });
		this.schedule();
	}

	/** Starts every queued delivery of `owner` now, in order (an outbox stopping waits for them). */
	flush(owner: object): void {
		for (let i = this.head; i < this.queue.length; i++) {
			const job = this.queue[i];
			if (job?.owner !== owner) continue;
			this.queue[i] = undefined;
			asFlowStep(job.start);
		}
	}

	/** Deliveries queued and not started yet. */
	get waiting(): number {
		let n = 0;
		for (let i = this.head; i < this.queue.length; i++) if (this.queue[i]) n++;
		return n;
	}

	private schedule(): void {
		if (this.scheduled) return;
		this.scheduled = true;
		setImmediate(() => this.turn());
	}

	private turn(): void {
		this.scheduled = false;
		while (this.head < this.queue.length && !this.queue[this.head]) this.head++;
		const began = performance.now();
		const waited = this.head < this.queue.length ? began - this.queue[this.head]!.at : 0;
		const until = began + this.turnMs * Math.max(1, (10 * waited) / this.lagMs);
		while (this.head < this.queue.length) {
			const job = this.queue[this.head];
			this.queue[this.head++] = undefined;
			if (!job) continue;
			asFlowStep(job.start);
			if (performance.now() >= until) break;
		}
		if (this.head === this.queue.length) {
			this.queue.length = 0;
			this.head = 0;
			return;
		}
		// Under a lasting backlog the queue is never empty: drop the started part now and then.
		if (this.head > 1024 && this.head * 2 > this.queue.length) {
			this.queue.splice(0, this.head);
			this.head = 0;
		}
		this.schedule();
	}
}

/** Set while a delivery the lane started runs, and in everything that follows from it. */
const inLane = new AsyncLocalStorage<true>();

/** Runs `work` as a step of a flow: the deliveries of the events it records wait in the lane. */
export function asFlowStep<R>(work: () => R): R {
	return inLane.run(true, work);
}

const lanes = new Map<string, RelayLane>();

/** The lane of this process for these settings: the services of a node share one event loop. */
export function relayLaneOf(turnMs: number, lagMs: number): RelayLane {
	const key = `${turnMs}/${lagMs}`;
	let lane = lanes.get(key);
	if (!lane) lanes.set(key, (lane = new RelayLane(turnMs, lagMs)));
	return lane;
}
