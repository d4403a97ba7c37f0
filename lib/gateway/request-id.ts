import { randomUUID } from "node:crypto";

const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The caller's X-Request-Id when it is a sane token, else a new one (never echo arbitrary bytes). */
export function requestIdFrom(header: string | string[] | undefined): string {
	const value = Array.isArray(header) ? header[0] : header;
	return value && SAFE_ID.test(value) ? value : randomUUID();
}

/** Idempotency-Key must be 1-255 printable ASCII characters; null means the header is malformed. */
export function idempotencyKeyFrom(header: string | string[] | undefined): string | undefined | null {
	const value = Array.isArray(header) ? header[0] : header;
	if (value === undefined) return undefined;
	return /^[\x21-\x7e]{1,255}$/.test(value) ? value : null;
}
