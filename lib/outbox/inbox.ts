/**
 * Idempotent consumers, one mechanism for every service: the ids of the events a service has
 * handled, kept in its own database (`<service>_handled_events`). mixins/messaging.mixin.ts skips
 * an event whose id is there and records the id once the handler succeeded (or failed for good:
 * a client error that a redelivery would only repeat).
 *
 * The mark is written after the handler's own writes, not with them: a handler may make several
 * writes, and a crash after the first must leave the redelivery free to finish the rest. A crash
 * between the handler and the mark makes the redelivery run the handler again, which every
 * handler tolerates by state (conditional updates: a reserved order is not reserved twice, a paid
 * order not charged twice). So an event is applied at most once, and handled at least once.
 */
import { DuplicateKeyError, type Store } from "../store";
import { DAY_MS, storeRule, type RetentionRule } from "../retention/rule";
import type { HandledRecord } from "./collections";

export class Inbox {
	constructor(
		private readonly consumer: string,
		private readonly records: Store<HandledRecord>
	) {}

	private key(eventId: string): string {
		return `${this.consumer}:${eventId}`;
	}

	async handled(eventId: string): Promise<boolean> {
		return (await this.records.findById(this.key(eventId))) !== null;
	}

	async markHandled(eventId: string): Promise<void> {
		try {
			// Deferrable: a mark lost in a crash only lets the handler run again, which it tolerates (above).
			await this.records.insert(
				{ id: this.key(eventId), consumer: this.consumer, eventId, handledAt: new Date().toISOString() },
				{ deferrable: true }
			);
		} catch (err) {
			// Handled twice at once (two deliveries raced): the first mark stands.
			if (!(err instanceof DuplicateKeyError)) throw err;
		}
	}

	/** Marks older than the retention are removed: a broker redelivers within minutes, not days. */
	retentionRule(days: number): RetentionRule {
		return storeRule({ name: "handled event ids", store: this.records, maxAgeMs: days * DAY_MS, dateField: "handledAt" });
	}
}
