/** What the broker clients of lib/messaging/ share (no broker library is imported here). */
import type { DomainEvent } from "../events";

export type BrokerKind = "rabbitmq" | "kafka" | "redis";

/** How a message reached its handler. */
export interface Delivery {
	broker: BrokerKind;
	/** The queue, topic or stream it came from. */
	source: string;
	/** 1 for the first handling; counts the retries of a failing message. */
	attempt: number;
}

/** Handles one event; resolves once its writes are done (the message is acknowledged after), throws to have it retried. */
export type DeliveryHandler = (event: DomainEvent<unknown>, delivery: Delivery) => Promise<void>;

export interface MessagingLogger {
	debug(...args: unknown[]): void;
	info(...args: unknown[]): void;
	warn(...args: unknown[]): void;
	error(...args: unknown[]): void;
}

export type ConsumeOutcome = "handled" | "retried" | "dead_lettered";

/** Counters the clients report to (the hub turns them into Moleculer metrics). */
export interface MessagingMetrics {
	published(broker: BrokerKind, destination: string): void;
	consumed(broker: BrokerKind, source: string, outcome: ConsumeOutcome): void;
}

export const noMetrics: MessagingMetrics = { published: () => undefined, consumed: () => undefined };

export const sleep = (ms: number) => new Promise<void>(resolve => setTimeout(resolve, ms));

/** Waits until every promise of a set that may still grow has settled, or the time is up; true when all settled. */
export async function drain(inflight: Set<Promise<unknown>>, timeoutMs: number): Promise<boolean> {
	const deadline = Date.now() + timeoutMs;
	while (inflight.size) {
		const left = deadline - Date.now();
		if (left <= 0) return false;
		let timer: NodeJS.Timeout | undefined;
		await Promise.race([Promise.allSettled([...inflight]), new Promise<void>(resolve => (timer = setTimeout(resolve, left)))]);
		clearTimeout(timer);
	}
	return true;
}
