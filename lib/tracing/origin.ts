/**
 * The trace context an event carries from where it was recorded to where it is handled: the
 * recording context's request id and, when that context is traced, its span as a `traceparent`
 * (CloudEvents' distributed-tracing extension). Whoever delivers or consumes the event continues
 * that span (`parentSpanOf`), so the consumers' spans join the trace of the request that caused it.
 */
import type { Context, Span } from "moleculer";
import type { DomainEvent, EventOrigin } from "../events";
import { formatTraceparent, parseTraceparent, spanIdOf, traceIdOf } from "./ids";

/** A Moleculer span as a W3C `traceparent`. */
export function traceparentOf(span: Span): string {
	return formatTraceparent(traceIdOf(span.traceID), spanIdOf(span.id), span.sampled);
}

/** The origin of the events a context records. Without tracing there is no span, and no extra work. */
export function originOf(ctx: Context): EventOrigin {
	const requestId = ctx.requestID ?? undefined;
	return ctx.span ? { requestId, traceparent: traceparentOf(ctx.span) } : { requestId };
}

export interface ParentSpan {
	/** The recording span's id (16 hex characters, which lib/tracing/ids.ts keeps as they are). */
	id: string;
	/** The request id: Moleculer's trace id, kept so the handler's log lines name the same request. */
	traceID: string;
	sampled: boolean;
}

/**
 * The span an event's handling continues, from its `traceparent`. Only when that names the trace
 * of the event's request id: Moleculer derives a trace from the request id, so a parent from
 * another trace (a foreign producer's) would dangle; the handler's span then starts its own trace.
 */
export function parentSpanOf(event: Pick<DomainEvent<unknown>, "id" | "correlationid" | "traceparent">): ParentSpan | undefined {
	const parent = parseTraceparent(event.traceparent);
	if (!parent) return undefined;
	const requestId = event.correlationid || event.id;
	if (parent.traceId !== traceIdOf(requestId)) return undefined;
	return { id: parent.parentId, traceID: requestId, sampled: parent.sampled };
}
