/**
 * The gateway's cache of rendered responses for cacheable public GETs (actions with `cache` and
 * `auth: "public"`): the JSON bytes and their ETag, keyed by the request URL. The action's result
 * is still cached by the Moleculer cacher (shared through Redis when configured); this layer only
 * spares an anonymous repeat of the same URL the trip through moleculer-web and the broker.
 *
 * Freshness: an entry lives at most `ttlMs`, and every `cache.clean.<service>` broadcast (sent by a
 * service after each write, received by the gateway on every node) drops that service's entries at
 * once. A response computed while a clean happened is not stored: `generation(service)` is taken
 * when the request starts and compared when it ends.
 */
import { createHash } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { trimOldest } from "../trim-oldest";

export interface RenderedResponse {
	body: Buffer;
	etag: string;
	contentType: string;
	/** The service whose cleaning invalidates this entry. */
	service: string;
	/** The action that answered it: the entry is only served while that action has a live endpoint. */
	action: string;
	expiresAt: number;
}

/** A strong ETag of the exact bytes. */
export function etagOf(body: string | Buffer): string {
	return `"${createHash("sha1").update(body).digest("base64url")}"`;
}

/** RFC 9110 If-None-Match (weak comparison): any listed tag, or "*". */
export function matchesIfNoneMatch(headers: IncomingHttpHeaders, etag: string): boolean {
	const header = headers["if-none-match"];
	if (!header) return false;
	if (header.trim() === "*") return true;
	const bare = etag.startsWith("W/") ? etag.slice(2) : etag;
	return header.split(",").some(t => {
		const tag = t.trim();
		return tag === bare || tag === `W/${bare}`;
	});
}

export class ResponseCache {
	private readonly entries = new Map<string, RenderedResponse>();
	private readonly generations = new Map<string, number>();
	hits = 0;

	constructor(
		readonly ttlMs: number,
		private readonly maxEntries = 5_000
	) {}

	get enabled(): boolean {
		return this.ttlMs > 0;
	}

	get(url: string, now = Date.now()): RenderedResponse | undefined {
		const entry = this.entries.get(url);
		if (!entry) return undefined;
		if (entry.expiresAt <= now) {
			this.entries.delete(url);
			return undefined;
		}
		return entry;
	}

	generation(service: string): number {
		return this.generations.get(service) ?? 0;
	}

	/** Stores the response unless `service` was cleaned since `generationAtStart`. */
	set(url: string, entry: Omit<RenderedResponse, "expiresAt">, generationAtStart: number, now = Date.now()): boolean {
		if (!this.enabled || this.generation(entry.service) !== generationAtStart) return false;
		this.entries.set(url, { ...entry, expiresAt: now + this.ttlMs });
		trimOldest(this.entries, this.maxEntries);
		return true;
	}

	/** Drops every entry of the service and makes responses computed before now unstorable. */
	invalidate(service: string): void {
		this.generations.set(service, this.generation(service) + 1);
		for (const [url, entry] of this.entries) if (entry.service === service) this.entries.delete(url);
	}

	clear(): void {
		for (const service of new Set([...this.entries.values()].map(e => e.service))) this.invalidate(service);
		this.entries.clear();
	}

	get size(): number {
		return this.entries.size;
	}
}
