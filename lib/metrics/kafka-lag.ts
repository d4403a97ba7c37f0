/**
 * Kafka consumer lag: for each consumer group and topic of the shop (lib/messaging/routes.ts), the
 * messages not yet committed by the group, summed over partitions (the partition's end offset
 * minus the group's committed offset; a partition the group never committed counts from its
 * start). A group that committed nothing on a topic does not consume it and is left out. The
 * groups are listed by the cluster; one that cannot list them (the tests' mock cluster) is asked
 * about the shop's own groups. Loaded only when KAFKA_BROKERS is set (it loads kafkajs).
 */
import { Kafka, logLevel, type Admin } from "kafkajs";
import { KAFKA_GROUPS, KAFKA_TOPICS } from "../messaging/routes";
import type { MessagingLogger } from "../messaging/types";
import { KAFKA_LAG } from "./kafka-lag-metric";
import type { MetricSink, Poller } from "./spec";

export interface KafkaLagOptions {
	brokers: string[];
	clientId: string;
	logger: MessagingLogger;
	/** Topics whose lag is read (the shop's by default). */
	topics?: readonly string[];
	/** Groups asked about when the cluster cannot list its groups (the shop's by default). */
	knownGroups?: string[];
}

/** Messages behind per partition: end offset minus committed offset (from the start when never committed). */
export function lagOf(
	ends: Array<{ partition: number; high: string; low: string }>,
	committed: Array<{ partition: number; offset: string }>
): number | null {
	const byPartition = new Map(committed.map(p => [p.partition, BigInt(p.offset)]));
	if (![...byPartition.values()].some(o => o >= 0n)) return null;
	let lag = 0n;
	for (const end of ends) {
		const at = byPartition.get(end.partition) ?? -1n;
		const from = at >= 0n ? at : BigInt(end.low);
		if (BigInt(end.high) > from) lag += BigInt(end.high) - from;
	}
	return Number(lag);
}

export class KafkaLagPoller implements Poller {
	private readonly admin: Admin;
	private connected: Promise<void> | null = null;
	private canListGroups = true;

	constructor(
		private readonly opts: KafkaLagOptions,
		private readonly sink: MetricSink
	) {
		const log = opts.logger;
		this.admin = new Kafka({
			clientId: opts.clientId,
			brokers: opts.brokers,
			connectionTimeout: 3000,
			retry: { retries: 1 },
			logLevel: logLevel.WARN,
			logCreator: () => entry => log.debug(`kafkajs ${entry.namespace}: ${entry.log.message}`)
		}).admin();
	}

	private async groups(): Promise<string[]> {
		if (this.canListGroups) {
			try {
				const { groups } = await this.admin.listGroups();
				return groups.filter(g => g.protocolType === "consumer" || g.protocolType === "").map(g => g.groupId);
			} catch (err) {
				if (!/does not support/i.test((err as Error).message)) throw err;
				this.canListGroups = false;
			}
		}
		return this.opts.knownGroups ?? KAFKA_GROUPS;
	}

	async poll(): Promise<void> {
		this.connected ??= this.admin.connect().catch(err => {
			this.connected = null;
			throw err;
		});
		await this.connected;
		const topics = [...(this.opts.topics ?? KAFKA_TOPICS)];
		const ends = new Map<string, Awaited<ReturnType<Admin["fetchTopicOffsets"]>>>();
		for (const topic of topics) ends.set(topic, await this.admin.fetchTopicOffsets(topic));
		for (const group of await this.groups()) {
			for (const { topic, partitions } of await this.admin.fetchOffsets({ groupId: group, topics })) {
				const lag = lagOf(ends.get(topic) ?? [], partitions);
				if (lag !== null) this.sink.set(KAFKA_LAG, lag, { topic, group });
			}
		}
	}

	async close(): Promise<void> {
		if (this.connected) await this.admin.disconnect().catch(() => undefined);
		this.connected = null;
	}
}
