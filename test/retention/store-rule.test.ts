/**
 * The shared retention mechanism on a real (embedded, in-memory) store: batches, the rule's filter,
 * updates that empty instead of removing, a stop between steps, and sweepRules' bookkeeping.
 */
import { storeRule, type RetentionRule } from "../../lib/retention/rule";
import { describeCounts, sweepRules } from "../../lib/retention/sweep";
import { createStore, type CollectionSpec, type Doc, type Store } from "../../lib/store";

interface Row extends Doc {
	at: string;
	kind: string;
	payload: string | null;
	stamp?: string | null;
}

const spec: CollectionSpec = {
	name: "retention_rows",
	fields: {
		at: { type: "string", required: true, index: true },
		kind: { type: "string", required: true },
		payload: { type: "string" },
		stamp: { type: "string", index: true }
	}
};

const DAY = 86_400_000;
const daysAgo = (days: number) => new Date(Date.now() - days * DAY).toISOString();
const cutoff = () => new Date(Date.now() - 10 * DAY);

describe("storeRule", () => {
	let store: Store<Row>;

	beforeEach(async () => {
		store = createStore<Row>(spec, { uri: null, dataDir: null, connectTimeoutMs: 1000 });
		await store.connect();
	});
	afterEach(async () => {
		jest.restoreAllMocks();
		await store.disconnect();
	});

	async function seed(days: number[], kind = "plain") {
		for (const d of days) await store.insert({ at: daysAgo(d), kind, payload: `p${d}`, stamp: daysAgo(d) });
	}

	it("removes what is older than the cutoff and matches the filter, in batches", async () => {
		await seed([11, 12, 13, 14, 15, 16, 17]);
		await seed([20, 30], "spared");
		await seed([1, 9]);
		const find = jest.spyOn(store, "find");
		const rule = storeRule({ name: "rows", store, maxAgeMs: 10 * DAY, dateField: "at", where: { kind: "plain" } });

		expect(await rule.apply(cutoff(), { batchSize: 3 })).toBe(7);
		// Three full or partial batches of 3, 3 and 1.
		expect(find).toHaveBeenCalledTimes(3);
		const left = await store.find({ sort: [["at", "asc"]] });
		expect(left.map(r => `${r.kind}:${r.payload}`)).toEqual(["spared:p30", "spared:p20", "plain:p9", "plain:p1"]);
		find.mockRestore();
	});

	it("empties instead of removing when given an update that takes the record out of the rule", async () => {
		await seed([11, 12, 13, 2]);
		const rule = storeRule({
			name: "payloads",
			store,
			maxAgeMs: 10 * DAY,
			dateField: "stamp",
			update: { set: { payload: null, stamp: null } }
		});
		expect(await rule.apply(cutoff(), { batchSize: 2 })).toBe(3);
		expect(await rule.apply(cutoff(), { batchSize: 2 })).toBe(0);
		const rows = await store.find({ sort: [["at", "asc"]] });
		expect(rows.map(r => r.payload ?? null)).toEqual([null, null, null, "p2"]);
	});

	it("refuses an update that leaves its records under the rule instead of finding them for ever", async () => {
		await seed([11, 12, 13]);
		const rule = storeRule({ name: "stuck", store, maxAgeMs: 10 * DAY, dateField: "at", update: { set: { payload: "x" } } });
		await expect(rule.apply(cutoff(), { batchSize: 2 })).rejects.toThrow("the update of stuck leaves records under the rule");
	});

	it("stops between steps once the signal is aborted (the service is stopping)", async () => {
		await seed([11, 12, 13, 14]);
		const stop = new AbortController();
		const removeMany = store.removeMany.bind(store);
		// The real removal, with the stop arriving while the first step runs.
		jest.spyOn(store, "removeMany").mockImplementation(async where => {
			const removed = await removeMany(where);
			stop.abort();
			return removed;
		});
		const rule = storeRule({ name: "rows", store, maxAgeMs: 10 * DAY, dateField: "at" });
		expect(await rule.apply(cutoff(), { batchSize: 2, signal: stop.signal })).toBe(2);
		expect(await store.count()).toBe(2);
	});
});

describe("sweepRules", () => {
	it("skips rules that keep for ever, reports a failing rule and still runs the others", async () => {
		const applied: string[] = [];
		const rule = (name: string, maxAgeMs: number, result: number | Error): RetentionRule => ({
			name,
			maxAgeMs,
			async apply(cut) {
				applied.push(`${name}@${Math.round((Date.now() - cut.getTime()) / DAY)}d`);
				if (result instanceof Error) throw result;
				return result;
			}
		});
		const failed: string[] = [];
		const counts = await sweepRules(
			[rule("kept", 0, 1), rule("broken", DAY, new Error("db away")), rule("old rows", 3 * DAY, 4), rule("none", 2 * DAY, 0)],
			{ batchSize: 10, onError: (r, err) => failed.push(`${r.name}: ${(err as Error).message}`) }
		);
		expect(applied).toEqual(["broken@1d", "old rows@3d", "none@2d"]);
		expect(failed).toEqual(["broken: db away"]);
		expect(counts).toEqual({ "old rows": 4, none: 0 });
		expect(describeCounts(counts)).toBe("4 old rows");
		expect(describeCounts({ none: 0 })).toBeNull();
	});
});
