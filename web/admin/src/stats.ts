/**
 * The dashboard's sums: revenue per currency of today's orders, and the message brokers' backlog
 * read from the gateway node's Prometheus text (`GET /metrics`). Pure: no DOM, no fetch.
 */

export interface OrderSummary {
	status: string;
	total: number;
	currency: string;
}

/** Revenue of orders that were not cancelled, per currency, summed in cents so nothing drifts. */
export function revenueByCurrency(orders: readonly OrderSummary[]): Array<{ currency: string; amount: number }> {
	const cents = new Map<string, number>();
	for (const o of orders) {
		if (o.status === "cancelled" || !Number.isFinite(o.total)) continue;
		cents.set(o.currency, (cents.get(o.currency) ?? 0) + Math.round(o.total * 100));
	}
	return [...cents.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([currency, c]) => ({ currency, amount: c / 100 }));
}

export interface QueueDepth {
	queue: string;
	/** work, retry or dead_letter. */
	kind: string;
	messages: number;
}

export interface KafkaLag {
	topic: string;
	group: string;
	lag: number;
}

export interface BrokerBacklog {
	queues: QueueDepth[];
	kafka: KafkaLag[];
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

function labelsOf(text: string | undefined): Record<string, string> {
	const out: Record<string, string> = {};
	for (const m of (text ?? "").matchAll(LABEL)) out[m[1]] = m[2].replace(/\\(.)/g, "$1");
	return out;
}

/** RabbitMQ queue depths and Kafka consumer lag from Prometheus text; empty where no broker is configured. */
export function parseBrokerBacklog(text: string): BrokerBacklog {
	const queues = new Map<string, QueueDepth>();
	const kafka = new Map<string, KafkaLag>();
	for (const line of text.split("\n")) {
		if (!line || line.startsWith("#")) continue;
		const m = SAMPLE.exec(line);
		if (!m) continue;
		const value = Number(m[3]);
		if (!Number.isFinite(value)) continue;
		const labels = labelsOf(m[2]);
		if (m[1] === "shop_rabbitmq_queue_messages" && labels.queue) {
			const kind = labels.kind ?? "work";
			queues.set(`${labels.queue}\0${kind}`, { queue: labels.queue, kind, messages: value });
		} else if (m[1] === "shop_kafka_consumer_lag" && labels.topic) {
			kafka.set(`${labels.topic}\0${labels.group}`, { topic: labels.topic, group: labels.group ?? "", lag: value });
		}
	}
	const byName = <T extends { queue?: string; topic?: string }>(a: T, b: T) =>
		(a.queue ?? a.topic ?? "").localeCompare(b.queue ?? b.topic ?? "");
	return { queues: [...queues.values()].sort(byName), kafka: [...kafka.values()].sort(byName) };
}
