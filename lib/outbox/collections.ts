/**
 * The two tables a service with domain events keeps beside its own, in the same database (so one
 * transaction covers them and the service's state):
 * - `<service>_outbox`: events recorded with the change they announce, waiting for the relay;
 *   a record is removed once every destination took the event.
 * - `<service>_handled_events`: the ids of the events this service's consumers have handled, so a
 *   redelivery is skipped (lib/outbox/inbox.ts).
 */
import type { DomainEvent } from "../events";
import type { CollectionSpec } from "../store";

export interface OutboxRecord {
	id: string;
	type: string;
	subject: string;
	event: DomainEvent<unknown>;
	/** Epoch ms of the write that recorded it. */
	createdAt: number;
	/** Failed deliveries so far. */
	attempts: number;
	/**
	 * Epoch ms before which no relay takes it: a lease for the node that recorded it (it delivers
	 * right after its commit), then the backoff after a failure.
	 */
	nextAttemptAt: number;
	lastError?: string | null;
	[key: string]: unknown;
}

export interface HandledRecord {
	/** `<consumer>:<event id>`. */
	id: string;
	consumer: string;
	eventId: string;
	/** ISO date; retention counts from it (RETENTION_HANDLED_EVENTS_DAYS). */
	handledAt: string;
	[key: string]: unknown;
}

export const outboxCollection = (service: string): CollectionSpec => ({
	name: `${service}_outbox`,
	fields: {
		type: { type: "string", required: true },
		subject: { type: "string" },
		event: { type: "json", required: true },
		createdAt: { type: "number", required: true },
		attempts: { type: "integer", default: 0 },
		nextAttemptAt: { type: "number", required: true, index: true },
		lastError: { type: "string" }
	},
	// Eight or so written and removed per order: no rowid b-tree beside the one on id.
	keyedById: true
});

export const handledEventsCollection = (service: string): CollectionSpec => ({
	name: `${service}_handled_events`,
	fields: {
		consumer: { type: "string", required: true },
		eventId: { type: "string", required: true },
		handledAt: { type: "string", required: true, index: true }
	},
	// Six or more marks per order: no rowid b-tree beside the one on id.
	keyedById: true
});
