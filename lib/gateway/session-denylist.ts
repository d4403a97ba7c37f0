/**
 * Sessions (refresh-token families) revoked by logout, password change or token reuse. Access
 * tokens name their session, so the gateway refuses them at once instead of waiting for expiry.
 * Entries are kept only until the last access token of that session would have expired anyway.
 */
export class SessionDenylist {
	private revoked = new Map<string, number>();

	add(sid: string, untilMs: number): void {
		this.revoked.set(sid, Math.max(untilMs, this.revoked.get(sid) ?? 0));
		if (this.revoked.size % 1000 === 0) this.prune();
	}

	has(sid: string): boolean {
		const until = this.revoked.get(sid);
		if (until === undefined) return false;
		if (until < Date.now()) {
			this.revoked.delete(sid);
			return false;
		}
		return true;
	}

	prune(now = Date.now()): void {
		for (const [sid, until] of this.revoked) if (until < now) this.revoked.delete(sid);
	}
}
