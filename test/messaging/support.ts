/** Shared bits of the messaging suites. */
import type { ServiceBroker } from "moleculer";
import { inCI, serverUp } from "../helpers/servers";
import { KCAT } from "../helpers/kafka-mock";

export interface Requirement {
	name: string;
	available: boolean;
}

export const RABBITMQ: Requirement = { name: "RabbitMQ on 127.0.0.1:5672", available: serverUp("127.0.0.1", 5672) };
export const REDIS: Requirement = { name: "Redis on 127.0.0.1:6379", available: serverUp("127.0.0.1", 6379) };
export const KAFKA_MOCK: Requirement = { name: "kcat (the Kafka mock cluster)", available: !!KCAT };

/** `describe` when every requirement is there; otherwise a skip with the reason, or a failure with CI=true. */
export function describeWith(...requirements: Requirement[]): jest.Describe {
	const missing = requirements.filter(r => !r.available).map(r => r.name);
	if (!missing.length) return describe;
	if (inCI)
		return ((title: string) =>
			describe(title, () => {
				it(`needs ${missing.join(", ")}`, () => {
					throw new Error(`${missing.join(", ")} missing, and CI=true forbids skipping`);
				});
			})) as unknown as jest.Describe;
	console.warn(`skipped: ${missing.join(", ")} missing`);
	return describe.skip;
}

/** Fast retries and group joins, and no reconciler: only the brokers may complete a flow. */
export const MESSAGING_TEST_ENV: Record<string, string> = {
	MESSAGING_RETRY_ATTEMPTS: "4",
	MESSAGING_RETRY_DELAY_MS: "50",
	AMQP_RECONNECT_MAX_MS: "500",
	ORDER_RECONCILE_INTERVAL_MS: "0"
};

/** A counter of lib/messaging/hub.ts. */
export function consumedCount(broker: ServiceBroker, labels: { broker: string; source: string; outcome: string }): number {
	const metric = broker.metrics.getMetric("shop.messaging.consumed.total") as unknown as {
		get(l: object): { value: number } | undefined;
	} | null;
	return metric?.get(labels)?.value ?? 0;
}
