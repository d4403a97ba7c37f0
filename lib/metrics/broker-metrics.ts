/**
 * The message brokers' backlog, read by one service per node (orders: the checkout's owner) so a
 * cluster reports each queue and group once per orders node: RabbitMQ queue depths when AMQP_URL
 * is set (through the node's messaging hub), Kafka consumer lag when KAFKA_BROKERS is set.
 */
import type { ServiceBroker } from "moleculer";
import { loadConfig } from "../config";
import type { MessagingHub } from "../messaging/hub";
import { messagingOf } from "../messaging/registry";
import type { MessagingLogger } from "../messaging/types";
import { kafkaLagDefinition } from "./kafka-lag-metric";
import { queueDepthPoller, queueMetricDefinitions } from "./queue-depth";
import type { MetricsSpec, Poller } from "./spec";

interface BrokerService {
	broker: ServiceBroker;
	logger: MessagingLogger;
}

export function brokerMetrics(): MetricsSpec<BrokerService> {
	return {
		metrics: [...queueMetricDefinitions, kafkaLagDefinition],
		poller(service, sink) {
			const { amqpUrl, kafkaBrokers } = loadConfig();
			const pollers: Poller[] = [];
			if (amqpUrl)
				pollers.push(queueDepthPoller(() => (messagingOf(service.broker) as MessagingHub | undefined)?.rabbitmq ?? null, sink));
			if (kafkaBrokers.length) {
				// eslint-disable-next-line @typescript-eslint/no-require-imports -- deliberately lazy: kafkajs only where KAFKA_BROKERS is set
				const { KafkaLagPoller } = require("./kafka-lag") as typeof import("./kafka-lag");
				pollers.push(
					new KafkaLagPoller(
						{ brokers: kafkaBrokers, clientId: `shop-${service.broker.nodeID}-metrics`, logger: service.logger },
						sink
					)
				);
			}
			if (!pollers.length) return null;
			return {
				async poll() {
					// Each reading on its own: RabbitMQ down does not hide Kafka's lag.
					const failed = (await Promise.allSettled(pollers.map(p => p.poll()))).filter(r => r.status === "rejected");
					if (failed.length) throw (failed[0] as PromiseRejectedResult).reason;
				},
				async close() {
					await Promise.all(pollers.map(p => p.close?.()));
				}
			};
		}
	};
}
