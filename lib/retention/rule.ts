/**
 * A retention rule: what a service removes (or empties) once it is older than a configured age.
 * A service declares its rules (mixins/retention.mixin.ts sweeps them); storeRule covers records
 * of a store, and any other holding (files) implements `apply` itself.
 */
import type { Doc, Filter, Store, Update } from "../store";

/** RETENTION_*_DAYS are days; rules take milliseconds. */
export const DAY_MS = 86_400_000;

export interface SweepOptions {
	/** Records read and removed per step; a step is one bounded round trip to the store. */
	batchSize: number;
	/** Set when the service stops: the sweep ends after its current step. */
	signal?: AbortSignal;
}

export interface RetentionRule {
	/** What the rule removes, as the sweep's log line names it ("notification bodies"). */
	name: string;
	/** How old something must be to go; 0 (or less) keeps it for ever. */
	maxAgeMs: number;
	/** Removes (or empties) everything the rule covers that is older than `cutoff`; answers how many. */
	apply(cutoff: Date, opts: SweepOptions): Promise<number>;
}

export interface StoreRuleSpec<T extends Doc> {
	name: string;
	store: Store<T>;
	maxAgeMs: number;
	/** The ISO date the age counts from; it should be indexed, since every sweep compares it by range. */
	dateField: string;
	/** What else a record must match (what the rule must spare: a pending message, a live session). */
	where?: Filter;
	/**
	 * Empties the record instead of removing it. The update must take the record out of the rule
	 * (clear `dateField`, say): records that still match after it would be found again.
	 */
	update?: Update;
}

/** Gives the event loop a turn between steps, so requests are served while a large backlog goes. */
const yieldToLoop = () => new Promise<void>(resolve => setImmediate(resolve));

/**
 * Removes (or updates) the matching records older than the cutoff, one batch at a time: find the
 * ids of a batch, then remove or update exactly those (still under the rule's filter, so a record
 * changed meanwhile is spared). Safe on several nodes at once: each write is conditional.
 */
export function storeRule<T extends Doc>(spec: StoreRuleSpec<T>): RetentionRule {
	return {
		name: spec.name,
		maxAgeMs: spec.maxAgeMs,
		async apply(cutoff, { batchSize, signal }) {
			const where: Filter = { ...spec.where, [spec.dateField]: { lt: cutoff.toISOString() } };
			let total = 0;
			let previous = new Set<string>();
			while (!signal?.aborted) {
				const batch = await spec.store.find({ where, limit: batchSize });
				if (!batch.length) break;
				const ids = batch.map(d => d.id);
				// An update that leaves its records under the rule would find them again, for ever.
				if (ids.some(id => previous.has(id))) throw new Error(`the update of ${spec.name} leaves records under the rule`);
				previous = new Set(ids);
				const these: Filter = { ...where, id: { in: ids } };
				const done = spec.update ? await spec.store.updateMany(these, spec.update) : await spec.store.removeMany(these);
				total += done;
				// A short batch was the last one; a batch of which nothing changed would be found again.
				if (batch.length < batchSize || done === 0) break;
				await yieldToLoop();
			}
			return total;
		}
	};
}
