/**
 * Domain events in one envelope (CloudEvents 1.0 attribute names), emitted on the Moleculer bus
 * under their type ("product.created"), so every node's listeners receive them.
 */
import type { Context, ServiceBroker } from "moleculer";
import { newId } from "./ids";
import { messagingOf } from "./messaging/registry";

export interface DomainEvent<T = Record<string, unknown>> {
	specversion: "1.0";
	id: string;
	source: string;
	type: string;
	time: string;
	subject: string;
	datacontenttype: "application/json";
	correlationid: string;
	data: T;
}

export function createEvent<T>(source: string, type: string, subject: string, data: T, correlationid?: string): DomainEvent<T> {
	const id = newId();
	return {
		specversion: "1.0",
		id,
		source,
		type,
		time: new Date().toISOString(),
		subject,
		datacontenttype: "application/json",
		correlationid: correlationid ?? id,
		data
	};
}

/**
 * Emits an event from inside an action, carrying the request id as correlation id.
 * Delivery is not awaited: on one process the bus would otherwise run every downstream listener
 * (and theirs) inside the emitter's request, so a slow or failing listener would hold it up. The
 * publish itself starts here, in order; a failure is logged loudly, and the reconciler of the flow
 * re-drives whatever an event failed to start.
 */
export async function emitDomainEvent<T>(
	ctx: Context | ServiceBroker,
	source: string,
	type: string,
	subject: string,
	data: T
): Promise<DomainEvent<T>> {
	const requestId = "requestID" in ctx ? (ctx.requestID ?? undefined) : undefined;
	const event = createEvent(source, type, subject, data, requestId);
	const broker = "broker" in ctx ? ctx.broker : ctx;
	(ctx as ServiceBroker).emit(type, event).catch((err: Error) => broker.logger.error(`Emitting ${type} ${event.id} failed:`, err));
	// With broker URLs (lib/messaging/): also published to the brokers; this waits for their confirm, or throws.
	const published = messagingOf(broker)?.publish(event);
	if (published) await published;
	return event;
}

/**
 * Remembers the ids of recently handled events so a redelivered event is skipped. An id is
 * remembered only once its handler succeeded, so a redelivery after a failure still runs.
 * Handlers must still be idempotent by state; this only saves repeated work.
 */
export class SeenEvents {
	private seen = new Set<string>();
	constructor(private readonly capacity = 10_000) {}

	has(id: string): boolean {
		return this.seen.has(id);
	}

	remember(id: string): void {
		this.seen.add(id);
		if (this.seen.size > this.capacity) this.seen.delete(this.seen.values().next().value as string);
	}
}
