/**
 * A broker delivery (RabbitMQ, Kafka, Redis) runs its handler outside Moleculer's event pipeline,
 * so Moleculer's tracing middleware does not see it: this opens the span Moleculer would open for
 * a bus event, on the context the messaging mixin built for the delivery (whose parent is the
 * envelope's traceparent), so the handler's calls and the events it records join the trace.
 */
import type { Context, Service } from "moleculer";
import type { DomainEvent } from "../events";
import type { Delivery } from "../messaging/types";

export async function inDeliverySpan<T>(
	ctx: Context<DomainEvent<unknown>>,
	service: Service,
	delivery: Delivery,
	run: () => Promise<T>
): Promise<T> {
	const event = ctx.params;
	const span = ctx.startSpan(`event '${event.type}' in '${service.fullName}'`, {
		id: ctx.id,
		type: "event",
		traceID: ctx.requestID ?? undefined,
		parentID: ctx.parentID,
		service,
		sampled: ctx.tracing ?? undefined,
		tags: {
			eventName: event.type,
			eventType: "emit",
			nodeID: ctx.broker.nodeID,
			requestID: ctx.requestID,
			delivery: { broker: delivery.broker, source: delivery.source, attempt: delivery.attempt },
			cloudevent: { id: event.id, source: event.source, subject: event.subject }
		}
	});
	ctx.tracing = span.sampled;
	try {
		return await run();
	} catch (err) {
		span.setError(err as Error);
		throw err;
	} finally {
		ctx.finishSpan(span);
	}
}
