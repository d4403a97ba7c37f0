/**
 * Domain events on the wire: the CloudEvents envelope of lib/events.ts as JSON (CloudEvents'
 * "structured" mode, content type application/cloudevents+json), the same on every broker.
 */
import type { DomainEvent } from "../events";

export const CLOUDEVENTS_JSON = "application/cloudevents+json";

/** A failure that no retry can cure (a malformed message, a request the service refuses): dead-lettered at once. */
export class PermanentMessageError extends Error {
	readonly permanent = true;
	constructor(message: string) {
		super(message);
		this.name = "PermanentMessageError";
	}
}

export function encodeEvent(event: DomainEvent<unknown>): Buffer {
	return Buffer.from(JSON.stringify(event));
}

/** The envelope in a message body; a PermanentMessageError when it is not one. */
export function decodeEvent(raw: Buffer | string | null | undefined): DomainEvent<unknown> {
	let event: unknown;
	try {
		event = JSON.parse(raw === null || raw === undefined ? "" : raw.toString());
	} catch {
		throw new PermanentMessageError("The message is not JSON");
	}
	const e = event as Partial<DomainEvent<unknown>> | null;
	if (!e || typeof e !== "object" || e.specversion !== "1.0" || typeof e.id !== "string" || typeof e.type !== "string" || !e.id)
		throw new PermanentMessageError("The message is not a CloudEvents 1.0 envelope (specversion, id, type)");
	return e as DomainEvent<unknown>;
}

/**
 * Whether retrying cannot help: a PermanentMessageError, or a client error of a service (4xx, as
 * MoleculerClientError carries it: not found, conflict, invalid), except timeouts and rate limits.
 */
export function isPermanent(err: unknown): boolean {
	if (!err || typeof err !== "object") return false;
	if ((err as { permanent?: unknown }).permanent === true) return true;
	const code = (err as { code?: unknown }).code;
	return typeof code === "number" && code >= 400 && code < 500 && code !== 408 && code !== 429;
}

/** One line for logs and dead-letter headers. */
export function describeError(err: unknown): string {
	const e = err as { name?: string; message?: string } | null;
	const text = e && typeof e === "object" ? `${e.name ?? "Error"}: ${e.message ?? ""}` : String(err);
	return text.length > 1000 ? `${text.slice(0, 1000)}...` : text;
}
