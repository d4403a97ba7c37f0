/**
 * Domain events in one envelope (CloudEvents 1.0 attribute names), emitted on the Moleculer bus
 * under their type ("product.created"), so every node's listeners receive them. A service records
 * them with the change they announce and a relay delivers them (lib/outbox/).
 */
import { newId } from "./ids";

export interface DomainEvent<T = Record<string, unknown>> {
	specversion: "1.0";
	id: string;
	source: string;
	type: string;
	time: string;
	subject: string;
	datacontenttype: "application/json";
	correlationid: string;
	/**
	 * CloudEvents' distributed-tracing extension: the W3C trace context of the span that recorded the
	 * event (lib/tracing/), so its consumers' spans join that trace. Absent when tracing is off.
	 */
	traceparent?: string;
	data: T;
}

/** Where an event comes from: the request it belongs to and, when traced, its span. */
export interface EventOrigin {
	requestId?: string;
	traceparent?: string;
}

export function createEvent<T>(source: string, type: string, subject: string, data: T, origin: EventOrigin = {}): DomainEvent<T> {
	const id = newId();
	return {
		specversion: "1.0",
		id,
		source,
		type,
		time: new Date().toISOString(),
		subject,
		datacontenttype: "application/json",
		correlationid: origin.requestId ?? id,
		...(origin.traceparent ? { traceparent: origin.traceparent } : {}),
		data
	};
}
