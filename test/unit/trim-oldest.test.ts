/**
 * RecentKeys (lib/metrics/spec.ts) and trimOldest (lib/trim-oldest.ts), which bounds it and the
 * other insertion-ordered caches: a key is new once while it is among the last keys kept.
 */
import { RecentKeys } from "../../lib/metrics/spec";
import { trimOldest } from "../../lib/trim-oldest";

describe("RecentKeys", () => {
	it("answers true once per key, and forgets the oldest key when full", () => {
		const keys = new RecentKeys(3);
		expect(["a", "b", "c"].map(k => keys.first(k))).toEqual([true, true, true]);
		expect(keys.first("a")).toBe(false);
		expect(keys.first("d")).toBe(true); // a is forgotten
		expect(keys.first("b")).toBe(false);
		expect(keys.first("a")).toBe(true); // b is forgotten
		expect(keys.first("b")).toBe(true); // c is forgotten
		expect(["d", "a", "b"].map(k => keys.first(k))).toEqual([false, false, false]);
		expect(keys.first("c")).toBe(true);
	});

	it("keeps at least 90 % of its capacity of the newest keys over many keys", () => {
		const keys = new RecentKeys(100);
		for (let i = 0; i < 10_000; i++) expect(keys.first(`k${i}`)).toBe(true);
		for (let i = 9_910; i < 10_000; i++) expect(keys.first(`k${i}`)).toBe(false);
		expect(keys.first("k0")).toBe(true);
	});
});

describe("trimOldest", () => {
	it("leaves a collection within its capacity alone", () => {
		const m = new Map([
			["a", 1],
			["b", 2]
		]);
		trimOldest(m, 2);
		expect([...m.keys()]).toEqual(["a", "b"]);
	});

	it("drops the oldest entries and a tenth of the capacity more once over it", () => {
		const s = new Set<number>();
		for (let i = 0; i < 21; i++) s.add(i);
		trimOldest(s, 20);
		expect([...s]).toEqual(Array.from({ length: 18 }, (_, i) => i + 3));
	});

	it("counts an entry set again (deleted and re-added) as new", () => {
		const m = new Map<string, number>([
			["a", 1],
			["b", 2]
		]);
		m.delete("a");
		m.set("a", 3);
		m.set("c", 4);
		trimOldest(m, 2);
		expect([...m.keys()]).toEqual(["a", "c"]);
	});
});
