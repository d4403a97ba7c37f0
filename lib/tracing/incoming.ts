/**
 * A caller's own trace, continued by the gateway: with tracing on, a request that brings a valid
 * W3C `traceparent` and no X-Request-Id of its own gets the caller's trace id as its request id
 * (Moleculer names a trace by its request id; lib/tracing/ids.ts keeps a 32-hex id as it is) and
 * the caller's span as the parent of the gateway's span; its sampled flag is followed. A malformed
 * header is ignored: the request starts a trace of its own.
 */
import { parseTraceparent } from "./ids";
import type { ParentSpan } from "./origin";

export function callerSpanOf(header: string | string[] | undefined): ParentSpan | undefined {
	const parent = parseTraceparent(Array.isArray(header) ? header[0] : header);
	return parent ? { id: parent.parentId, traceID: parent.traceId, sampled: parent.sampled } : undefined;
}
