/**
 * Ids of the events this node has finished handling, so an exact redelivery is skipped without a
 * database round trip. Unlike lib/events.ts's SeenEvents, an id is remembered only once its
 * handler succeeded: a delivery that failed half-way must be able to run again when redelivered.
 * Handlers stay idempotent by state; this only saves work.
 */
export class HandledEvents {
	private readonly ids = new Set<string>();

	constructor(private readonly capacity = 10_000) {}

	has(id: string | undefined): boolean {
		return !!id && this.ids.has(id);
	}

	add(id: string | undefined): void {
		if (!id) return;
		this.ids.add(id);
		if (this.ids.size > this.capacity) this.ids.delete(this.ids.values().next().value as string);
	}
}
