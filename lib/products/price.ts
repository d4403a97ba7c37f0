/**
 * A price as clients send it: a JSON number with at most two decimals. The check reads the number's
 * shortest decimal form (what JSON.stringify writes), so 19.99 passes and 0.1 + 0.2
 * (0.30000000000000004) is refused instead of being silently rounded; lib/money's
 * hasCentPrecision tolerates such drift, which suits sums computed inside, not input.
 */
export function hasAtMostTwoDecimals(amount: number): boolean {
	return Number.isFinite(amount) && /^\d+(\.\d{1,2})?$/.test(String(Math.abs(amount)));
}
