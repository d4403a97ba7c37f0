/** The Kafka lag gauge, apart from its poller so that declaring it does not load kafkajs. */
import type { MetricDefinition } from "./spec";

export const KAFKA_LAG = "shop.kafka.consumer.lag";

export const kafkaLagDefinition: MetricDefinition = {
	type: "gauge",
	name: KAFKA_LAG,
	labelNames: ["topic", "group"],
	description: "Messages of a Kafka topic not yet committed by a consumer group (summed over partitions)"
};
