/**
 * Tunables of the messaging layer, read from the environment when a node's messaging starts (the
 * broker URLs themselves are in lib/config.ts). All optional:
 *
 * - AMQP_PREFETCH (10): unacknowledged messages per consumer, i.e. handlers running at once per queue.
 * - AMQP_PUBLISH_TIMEOUT_MS (30000): how long a publish waits for a connection and the broker's
 *   confirm before it fails loudly; within it, a publish cut off by a dropped connection is sent again.
 * - AMQP_RECONNECT_MAX_MS (5000): the longest pause between reconnection attempts (from 100 ms, doubling).
 * - MESSAGING_RETRY_ATTEMPTS (5), MESSAGING_RETRY_DELAY_MS (1000), MESSAGING_RETRY_MAX_DELAY_MS
 *   (60000): a failing message is handled at most ATTEMPTS times, waiting DELAY, 2*DELAY, ... (capped)
 *   in between, then dead-lettered with its error. A consumer may declare its own policy.
 * - MESSAGING_DRAIN_TIMEOUT_MS (10000): on stop, how long to wait for handlers in flight.
 * - KAFKA_SESSION_TIMEOUT_MS (30000), KAFKA_HEARTBEAT_INTERVAL_MS (3000), KAFKA_MAX_WAIT_MS (5000):
 *   consumer group settings (kafkajs defaults).
 * - KAFKA_TOPIC_PARTITIONS (3), KAFKA_REPLICATION_FACTOR (-1: the cluster's default): for the
 *   topics created at start when the cluster allows it.
 * - LOW_STOCK_STREAM_MAXLEN (10000): the low-stock stream is capped near this many entries.
 * - REDIS_STREAM_CLAIM_IDLE_MS (30000): entries pending this long with a consumer (a dead one) are
 *   claimed by another.
 */
import { numberSetting, type Env } from "../env";

export interface RetryPolicy {
	/** Handling attempts in all, the first included (1: no retry). */
	attempts: number;
	/** Pause before the second attempt; doubled before each next one. */
	delayMs: number;
	maxDelayMs: number;
}

/** The pause after failed attempt `attempt` (1-based). */
export function backoffMs(policy: RetryPolicy, attempt: number): number {
	return Math.min(policy.maxDelayMs, Math.round(policy.delayMs * 2 ** Math.max(0, attempt - 1)));
}

export function messagingSettings(env: Env = process.env) {
	return {
		retry: {
			attempts: Math.floor(numberSetting(env, "MESSAGING_RETRY_ATTEMPTS", 5, 1)),
			delayMs: numberSetting(env, "MESSAGING_RETRY_DELAY_MS", 1000),
			maxDelayMs: numberSetting(env, "MESSAGING_RETRY_MAX_DELAY_MS", 60_000)
		} satisfies RetryPolicy,
		drainTimeoutMs: numberSetting(env, "MESSAGING_DRAIN_TIMEOUT_MS", 10_000),
		amqp: {
			prefetch: Math.floor(numberSetting(env, "AMQP_PREFETCH", 10, 1)),
			publishTimeoutMs: numberSetting(env, "AMQP_PUBLISH_TIMEOUT_MS", 30_000, 1),
			reconnectMinMs: 100,
			reconnectMaxMs: numberSetting(env, "AMQP_RECONNECT_MAX_MS", 5000, 100),
			heartbeatSeconds: 15,
			connectTimeoutMs: 5000
		},
		kafka: {
			sessionTimeoutMs: numberSetting(env, "KAFKA_SESSION_TIMEOUT_MS", 30_000, 1),
			heartbeatIntervalMs: numberSetting(env, "KAFKA_HEARTBEAT_INTERVAL_MS", 3000, 1),
			maxWaitMs: numberSetting(env, "KAFKA_MAX_WAIT_MS", 5000, 0),
			partitions: Math.floor(numberSetting(env, "KAFKA_TOPIC_PARTITIONS", 3, 1)),
			replicationFactor: Math.floor(numberSetting(env, "KAFKA_REPLICATION_FACTOR", -1, -1)),
			publishTimeoutMs: numberSetting(env, "KAFKA_PUBLISH_TIMEOUT_MS", 30_000, 1),
			reconnectMaxMs: 5000
		},
		redis: {
			lowStockMaxLen: Math.floor(numberSetting(env, "LOW_STOCK_STREAM_MAXLEN", 10_000, 1)),
			claimIdleMs: numberSetting(env, "REDIS_STREAM_CLAIM_IDLE_MS", 30_000, 1)
		}
	};
}

export type MessagingSettings = ReturnType<typeof messagingSettings>;
