/** One pass over a service's retention rules: each rule with an age gets its cutoff and runs. */
import type { RetentionRule, SweepOptions } from "./rule";

/** How many records each rule removed or emptied, by rule name (rules that keep for ever are absent). */
export type SweepCounts = Record<string, number>;

/** A rule that fails is reported to `onError` and the others still run. */
export async function sweepRules(
	rules: RetentionRule[],
	opts: SweepOptions & { onError(rule: RetentionRule, err: unknown): void },
	nowMs = Date.now()
): Promise<SweepCounts> {
	const counts: SweepCounts = {};
	for (const rule of rules) {
		if (!(rule.maxAgeMs > 0) || opts.signal?.aborted) continue;
		try {
			counts[rule.name] = await rule.apply(new Date(nowMs - rule.maxAgeMs), opts);
		} catch (err) {
			opts.onError(rule, err);
		}
	}
	return counts;
}

/** "12 notification bodies, 3 sessions", or null when nothing was removed. */
export function describeCounts(counts: SweepCounts): string | null {
	const parts = Object.entries(counts)
		.filter(([, n]) => n > 0)
		.map(([name, n]) => `${n} ${name}`);
	return parts.length ? parts.join(", ") : null;
}
