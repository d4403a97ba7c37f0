/**
 * Gives a service retention sweeps over the rules it declares (lib/retention/rule.ts):
 *
 *   mixins: [RetentionMixin<MyThis>(function () { return [storeRule({ ... })]; }), DbMixin(...)]
 *
 * The rules are built at each sweep (so they read the configuration and the service's stores as
 * they are then). A sweep runs every RETENTION_SWEEP_MS and once shortly after start (0: neither),
 * and on demand through the action `<service>.sweepRetention`, which answers the counts by rule.
 * Sweeps of one service never overlap: a sweep asked for while one runs starts after it. Each
 * sweep logs at info what it removed, when it removed anything.
 *
 * List it before DbMixin: Moleculer runs the mixins' `started` from the last listed to the first
 * and their `stopped` from the first to the last (after the service's own), so its `stopped`, which
 * stops the sweep under way after its current step and waits for it, runs before the stores close.
 */
import type { Service } from "moleculer";
import { loadConfig } from "../lib/config";
import type { Inbox } from "../lib/outbox/inbox";
import type { RetentionRule } from "../lib/retention/rule";
import { describeCounts, sweepRules, type SweepCounts } from "../lib/retention/sweep";
import type { AnyServiceSchema, MixinSchema } from "../types/service-schema";

export interface RetentionThis {
	/** Runs one sweep of the service's rules now (after the one under way, if any). */
	sweepRetention(): Promise<SweepCounts>;
}

interface RetentionState {
	retentionTimers: NodeJS.Timeout[];
	retentionAbort: AbortController;
	/** The sweep under way (or the last one), to chain the next one after it. */
	retentionRun: Promise<unknown>;
}

/** The first sweep after start waits this long (or one interval, if shorter): the start is not slowed by it. */
const FIRST_SWEEP_DELAY_MS = 10_000;

export function RetentionMixin<S = Service>(rules: (this: S) => RetentionRule[]): Partial<AnyServiceSchema> {
	/** A service with an inbox (lib/outbox/inbox.ts) also forgets the ids of events handled long ago. */
	type Self = Service & S & RetentionThis & RetentionState & { inbox?: Inbox };

	async function sweepNow(this: Self): Promise<SweepCounts> {
		const { retentionBatchSize, retentionHandledEventsDays } = loadConfig();
		const inbox = this.inbox;
		const all = [...rules.call(this), ...(inbox ? [inbox.retentionRule(retentionHandledEventsDays)] : [])];
		const counts = await sweepRules(all, {
			batchSize: retentionBatchSize,
			signal: this.retentionAbort.signal,
			onError: (rule, err) => this.logger.warn(`Retention of ${rule.name} failed:`, (err as Error)?.message ?? err)
		});
		const removed = describeCounts(counts);
		if (removed) this.logger.info(`Retention sweep removed ${removed}`);
		return counts;
	}

	const schema: MixinSchema<Self> = {
		actions: {
			/** Internal: one retention sweep now; answers how many records each rule removed or emptied. */
			sweepRetention: {
				visibility: "public",
				handler(this: Self) {
					return this.sweepRetention();
				}
			}
		},

		methods: {
			sweepRetention(this: Self): Promise<SweepCounts> {
				const run = this.retentionRun.catch(() => undefined).then(() => sweepNow.call(this));
				this.retentionRun = run;
				return run;
			}
		},

		created(this: Self) {
			this.retentionTimers = [];
			this.retentionAbort = new AbortController();
			this.retentionRun = Promise.resolve();
		},

		started(this: Self) {
			this.retentionAbort = new AbortController();
			const { retentionSweepMs } = loadConfig();
			if (!retentionSweepMs) return;
			const background = () => {
				this.sweepRetention().catch((err: Error) => this.logger.warn("Retention sweep failed:", err.message));
			};
			const first = setTimeout(background, Math.min(FIRST_SWEEP_DELAY_MS, retentionSweepMs));
			const every = setInterval(background, retentionSweepMs);
			first.unref();
			every.unref();
			this.retentionTimers.push(first, every);
		},

		async stopped(this: Self) {
			for (const timer of this.retentionTimers) clearTimeout(timer);
			this.retentionTimers = [];
			this.retentionAbort.abort();
			await this.retentionRun.catch(() => undefined);
		}
	};
	return schema;
}
