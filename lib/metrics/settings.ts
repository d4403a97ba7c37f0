/**
 * Tunables of the business metrics (lib/metrics/), read when a service with the metrics mixin
 * starts. METRICS_POLL_INTERVAL_MS (15000): how often the figures read rather than counted are
 * refreshed: orders by status and items in low stock (indexed counts in the owning service's own
 * store), RabbitMQ queue depths and Kafka consumer lag; 0 turns those polls off (the counters and
 * the checkout histogram, kept from events, stay).
 */
import { numberSetting, type Env } from "../env";

export function metricsSettings(env: Env = process.env) {
	return { pollIntervalMs: numberSetting(env, "METRICS_POLL_INTERVAL_MS", 15_000) };
}
