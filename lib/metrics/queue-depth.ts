/**
 * The depth of every RabbitMQ queue of the order flow (lib/messaging/routes.ts): messages ready in
 * each work queue, in its retry queue (waiting out their backoff) and in its dead-letter queue
 * (failed every attempt: an operator must look), and the consumers of each work queue. Read with
 * passive declares on the node's own connection (lib/messaging/amqp.ts, inspectQueues).
 */
import { AMQP_QUEUES, deadLetterQueue, retryQueue } from "../messaging/routes";
import type { MetricDefinition, MetricSink, Poller } from "./spec";

export const QUEUE_METRICS = {
	messages: "shop.rabbitmq.queue.messages",
	consumers: "shop.rabbitmq.queue.consumers"
} as const;

export const queueMetricDefinitions: MetricDefinition[] = [
	{
		type: "gauge",
		name: QUEUE_METRICS.messages,
		labelNames: ["queue", "kind"],
		description: "Messages ready in a RabbitMQ queue of the order flow; kind: work, retry or dead_letter (<queue>.retry, <queue>.dlq)"
	},
	{ type: "gauge", name: QUEUE_METRICS.consumers, labelNames: ["queue"], description: "Consumers of a RabbitMQ work queue" }
];

export type QueueKind = "work" | "retry" | "dead_letter";

export interface QueueInspector {
	inspectQueues(queues: readonly string[]): Promise<Array<{ queue: string; messages: number; consumers: number }> | null>;
}

/** Every queue checked, with the work queue it belongs to and its kind. */
export const CHECKED_QUEUES: ReadonlyArray<{ name: string; queue: string; kind: QueueKind }> = Object.keys(AMQP_QUEUES).flatMap(queue => [
	{ name: queue, queue, kind: "work" as const },
	{ name: retryQueue(queue), queue, kind: "retry" as const },
	{ name: deadLetterQueue(queue), queue, kind: "dead_letter" as const }
]);

/** `client()` is the node's RabbitMQ client (null before it exists). */
export function queueDepthPoller(client: () => QueueInspector | null, sink: MetricSink): Poller {
	return {
		async poll() {
			const amqp = client();
			const found = amqp ? await amqp.inspectQueues(CHECKED_QUEUES.map(q => q.name)) : null;
			if (!found) throw new Error("RabbitMQ is not connected");
			found.forEach(({ messages, consumers }, i) => {
				const { queue, kind } = CHECKED_QUEUES[i]!;
				sink.set(QUEUE_METRICS.messages, messages, { queue, kind });
				if (kind === "work") sink.set(QUEUE_METRICS.consumers, consumers, { queue });
			});
		}
	};
}
