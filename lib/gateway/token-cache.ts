/**
 * Verified access tokens, remembered briefly by their exact string, so that a client's next
 * requests skip the HMAC check and JSON decoding. An entry never outlives its token's expiry nor
 * `ttlMs`; revocation is not cached (the gateway checks the session denylist on every request).
 * Only tokens that verified are kept: a forged token is checked, and refused, every time.
 */
import type { AccessClaims } from "../jwt";

export class VerifiedTokenCache {
	private readonly entries = new Map<string, { claims: AccessClaims; until: number }>();

	constructor(
		private readonly ttlMs = 30_000,
		private readonly maxEntries = 10_000
	) {}

	get(token: string, now = Date.now()): AccessClaims | undefined {
		const hit = this.entries.get(token);
		if (!hit) return undefined;
		if (hit.until <= now) {
			this.entries.delete(token);
			return undefined;
		}
		return hit.claims;
	}

	set(token: string, claims: AccessClaims, now = Date.now()): void {
		if (this.ttlMs <= 0) return;
		const until = Math.min(now + this.ttlMs, claims.exp * 1000);
		if (until <= now) return;
		if (this.entries.size >= this.maxEntries) {
			// Map iteration is insertion order: drop the oldest tenth at once instead of one per insert.
			let drop = Math.ceil(this.maxEntries / 10);
			for (const key of this.entries.keys()) {
				this.entries.delete(key);
				if (--drop <= 0) break;
			}
		}
		this.entries.set(token, { claims, until });
	}

	get size(): number {
		return this.entries.size;
	}
}
