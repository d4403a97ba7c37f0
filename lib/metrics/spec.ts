/**
 * How a service declares its business metrics (mixins/metrics.mixin.ts runs them): the metrics it
 * exports, the domain events it counts (from the Moleculer bus, so nothing is added to the
 * request path) and what it reads periodically (its own store, a broker).
 */
import type { DomainEvent } from "../events";
import { trimOldest } from "../trim-oldest";

export type Labels = Record<string, string | number | null>;

/** What a collector needs of Moleculer's metric registry. */
export interface MetricSink {
	increment(name: string, labels?: Labels, value?: number): void;
	set(name: string, value: number, labels?: Labels): void;
	observe(name: string, value: number, labels?: Labels): void;
}

export interface MetricDefinition {
	type: "counter" | "gauge" | "histogram";
	/** Moleculer's dotted name; Prometheus shows it with underscores (`shop.orders` -> `shop_orders`). */
	name: string;
	labelNames?: string[];
	/** Histograms: the upper bounds of their buckets. */
	buckets?: number[];
	description: string;
}

/** A periodic reading, and what it holds open between readings. */
export interface Poller {
	poll(): Promise<void>;
	close?(): Promise<void>;
}

/** One domain's business metrics. */
export interface MetricsSpec<S = unknown> {
	metrics: MetricDefinition[];
	/** Records an event of each type (never throws: a malformed event is skipped). */
	// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each recorder checks the data it reads
	events?: Record<string, (event: DomainEvent<any>, sink: MetricSink) => void>;
	/** Built when the service started, polled every METRICS_POLL_INTERVAL_MS; null when there is nothing to read here. */
	poller?(service: S, sink: MetricSink): Poller | null;
}

/** Remembers the last keys seen, so an event announced again (a re-drive, a redelivery) is counted once on this node. */
export class RecentKeys {
	private readonly keys = new Set<string>();
	constructor(private readonly capacity = 10_000) {}

	/** True the first time a key is offered (while it is among the last keys: at least 90 % of `capacity`). */
	first(key: string): boolean {
		if (this.keys.has(key)) return false;
		this.keys.add(key);
		trimOldest(this.keys, this.capacity);
		return true;
	}
}

export const isText = (v: unknown): v is string => typeof v === "string" && v.length > 0;

type EventRecorder = NonNullable<MetricsSpec["events"]>[string];

/**
 * The recorders of one family of outcome events (payment.succeeded, .failed, ...): each counts an
 * entity once per outcome on this node, calling `record` the first time `<outcome>:<data[idField]>`
 * is seen, and skips an event without that id.
 */
export function outcomeRecorders<O extends string>(
	idField: string,
	record: (outcome: O, data: Record<string, unknown>, sink: MetricSink) => void
): (outcome: O) => EventRecorder {
	const seen = new RecentKeys();
	return outcome => (event, sink) => {
		const data = (event.data ?? {}) as Record<string, unknown>;
		const id = data[idField];
		if (isText(id) && seen.first(`${outcome}:${id}`)) record(outcome, data, sink);
	};
}
