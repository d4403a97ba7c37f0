/**
 * A small bounded cache with expiry, for what the notifications service reads from other services
 * again and again within seconds (the customer and the order of consecutive mails about one order).
 */
import { trimOldest } from "../trim-oldest";

export class TtlCache<V> {
	private readonly entries = new Map<string, { value: V; until: number }>();

	constructor(
		private readonly ttlMs: number,
		private readonly capacity = 10_000
	) {}

	get(key: string): V | undefined {
		const e = this.entries.get(key);
		if (!e) return undefined;
		if (e.until <= Date.now()) {
			this.entries.delete(key);
			return undefined;
		}
		return e.value;
	}

	set(key: string, value: V): V {
		if (this.ttlMs <= 0) return value;
		this.entries.delete(key);
		this.entries.set(key, { value, until: Date.now() + this.ttlMs });
		trimOldest(this.entries, this.capacity);
		return value;
	}

	/** The cached value, or the loaded one (cached when it is not null or undefined). */
	async getOrLoad(key: string, load: () => Promise<V>): Promise<V> {
		const hit = this.get(key);
		if (hit !== undefined) return hit;
		const value = await load();
		return value === null || value === undefined ? value : this.set(key, value);
	}
}
