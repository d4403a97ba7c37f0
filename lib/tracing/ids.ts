/**
 * Moleculer's ids in W3C Trace Context form. Moleculer names a trace by the request id (a span's
 * traceID is its context's requestID) and a span by its context id, both UUIDs here; OpenTelemetry
 * and `traceparent` need 32 and 16 lowercase hex characters, not all zero. The mapping is
 * deterministic, so every node derives the same ids without talking to the others:
 * - trace id: the request id without its dashes when it is a UUID; itself when it already is 32 hex
 *   characters (a trace id taken from a `traceparent`); else the first 32 hex characters of its
 *   SHA-256 (a caller's own X-Request-Id such as "checkout-42");
 * - span id: the last 16 hex characters of a UUID (its random part); itself when it already is 16
 *   hex characters (a parent span id taken from a `traceparent`); else the first 16 of its SHA-256.
 */
import { createHash } from "node:crypto";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const HEX32 = /^[0-9a-f]{32}$/;
const HEX16 = /^[0-9a-f]{16}$/;
const ZERO32 = "0".repeat(32);
const ZERO16 = "0".repeat(16);

function hashed(id: string, length: number): string {
	return createHash("sha256").update(id).digest("hex").slice(0, length);
}

/** The OpenTelemetry trace id of a Moleculer trace (its request id). */
export function traceIdOf(requestId: string): string {
	let id: string;
	if (HEX32.test(requestId)) id = requestId;
	else if (UUID.test(requestId)) id = requestId.replace(/-/g, "").toLowerCase();
	else id = hashed(requestId, 32);
	return id === ZERO32 ? hashed(requestId, 32) : id;
}

/** The OpenTelemetry span id of a Moleculer span (its context id). */
export function spanIdOf(spanId: string): string {
	let id: string;
	if (HEX16.test(spanId)) id = spanId;
	else if (UUID.test(spanId)) id = spanId.replace(/-/g, "").slice(-16).toLowerCase();
	else id = hashed(spanId, 16);
	return id === ZERO16 ? hashed(spanId, 16) : id;
}

export interface TraceParent {
	traceId: string;
	parentId: string;
	sampled: boolean;
}

// version 00: exactly four fields; a later version may append fields after the flags.
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/** A `traceparent` value; null when it is malformed (W3C Trace Context, level 1). */
export function parseTraceparent(value: unknown): TraceParent | null {
	if (typeof value !== "string" || value.length > 512) return null;
	const m = TRACEPARENT.exec(value.trim());
	if (!m) return null;
	const [, version, traceId, parentId, flags, rest] = m;
	if (version === "ff" || (version === "00" && rest !== undefined)) return null;
	if (traceId === ZERO32 || parentId === ZERO16) return null;
	return { traceId: traceId!, parentId: parentId!, sampled: (parseInt(flags!, 16) & 1) === 1 };
}

export function formatTraceparent(traceId: string, spanId: string, sampled: boolean): string {
	return `00-${traceId}-${spanId}-${sampled ? "01" : "00"}`;
}
