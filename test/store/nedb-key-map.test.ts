/**
 * The KeyMap stands in for NeDB's ordered tree inside an index: the same operations on a datastore
 * with NeDB's own trees and on one with KeyMaps must answer every query alike.
 */
import Datastore from "@seald-io/nedb";
import { KeyMap, useKeyMap } from "../../lib/store/nedb-key-map";

type Raw = { _id: string; [k: string]: unknown };
type IndexLike = Parameters<typeof useKeyMap>[0];

// Keys of every kind NeDB compares: numbers, strings, booleans, null, Dates, objects, arrays, none.
const KEYS: unknown[] = [
	1,
	2,
	-0,
	0,
	2.5,
	"a",
	"b",
	"",
	true,
	false,
	null,
	new Date(1000),
	new Date(2000),
	{ x: 1 },
	["a", 2],
	undefined,
	Number.NaN
];

function random(seed: number) {
	return () => {
		seed = (seed * 1103515245 + 12345) & 0x7fffffff;
		return seed / 0x7fffffff;
	};
}

async function datastores(): Promise<[Datastore<Raw>, Datastore<Raw>]> {
	const plain = new Datastore<Raw>({ inMemoryOnly: true });
	const mapped = new Datastore<Raw>({ inMemoryOnly: true });
	for (const db of [plain, mapped]) {
		await db.ensureIndexAsync({ fieldName: "k" });
		await db.ensureIndexAsync({ fieldName: "u", unique: true, sparse: true });
	}
	const indexes = (mapped as unknown as { indexes: Record<string, IndexLike> }).indexes;
	for (const index of Object.values(indexes)) useKeyMap(index, mapped.getAllData());
	return [plain, mapped];
}

/** What the operations run so far came to, so the test shows it exercised clashes and matches. */
const outcomes = { errors: [] as string[], nonEmptyAnswers: 0 };

/** Runs one operation on both stores: the same outcome, or the same error type. */
async function both<T>(dbs: Datastore<Raw>[], op: (db: Datastore<Raw>) => Promise<T>): Promise<T[]> {
	const results = await Promise.all(
		dbs.map(db =>
			op(db).then(
				value => ({ ok: true as const, value }),
				(err: { errorType?: string }) => ({ ok: false as const, error: err.errorType ?? String(err) })
			)
		)
	);
	expect(results[1]).toEqual(results[0]);
	if (!results[0].ok) outcomes.errors.push(results[0].error);
	else if (Array.isArray(results[0].value) && results[0].value.length) outcomes.nonEmptyAnswers++;
	return results.map(r => (r.ok ? r.value : (undefined as T)));
}

const byId = (docs: Raw[]) => [...docs].sort((a, b) => a._id.localeCompare(b._id));

describe("NeDB index KeyMap", () => {
	it("answers equality, $in, range and unique checks as NeDB's own tree does, through inserts, updates and removals", async () => {
		const dbs = await datastores();
		const next = random(42);
		const pick = <T>(list: T[]) => list[Math.floor(next() * list.length)];
		const keyOrArray = () => (next() < 0.15 ? [pick(KEYS), pick(KEYS)] : pick(KEYS));
		const doc = (id: number): Raw => {
			const d: Raw = { _id: `d${id}` };
			const k = keyOrArray();
			if (k !== undefined) d.k = k;
			if (next() < 0.7) d.u = `u${Math.floor(next() * 30)}`;
			return d;
		};
		let ids = 0;
		for (let step = 0; step < 600; step++) {
			const roll = next();
			// Every random choice is made before the operation runs on both stores.
			if (roll < 0.45) {
				const inserted = doc(ids++);
				await both(dbs, db => db.insertAsync(structuredClone(inserted)));
			} else if (roll < 0.7) {
				const id = `d${Math.floor(next() * ids)}`;
				const set = next() < 0.5 ? { k: keyOrArray() } : { u: `u${Math.floor(next() * 30)}` };
				await both(dbs, db => db.updateAsync({ _id: id }, { $set: structuredClone(set) }, {}));
			} else if (roll < 0.8) {
				const k = pick(KEYS.filter(x => x !== undefined));
				await both(dbs, db => db.removeAsync({ k: k as never }, { multi: true }));
			} else {
				const k = pick(KEYS.filter(x => x !== undefined && typeof x !== "object"));
				const among = [pick(KEYS), pick(KEYS)].filter(x => x !== undefined);
				await both(dbs, async db => byId(await db.findAsync({ k: k as never })));
				await both(dbs, async db => byId(await db.findAsync({ k: { $in: among } as never })));
				await both(dbs, async db => await db.findAsync({ k: { $gte: 1, $lt: "b" } as never }));
				await both(dbs, async db => await db.findAsync({ k: { $lte: new Date(1500) } as never }));
				await both(dbs, async db => byId(await db.findAsync({})));
			}
		}
		expect(await dbs[0].countAsync({})).toBeGreaterThan(20);
		expect(outcomes.errors).toContain("uniqueViolated");
		expect(outcomes.nonEmptyAnswers).toBeGreaterThan(100);
	});

	it("files documents by key: a unique clash throws NeDB's error, a removed value leaves the key's others", () => {
		const unique = new KeyMap(true);
		unique.insert("a", 1);
		expect(() => unique.insert("a", 2)).toThrow(expect.objectContaining({ errorType: "uniqueViolated", key: "a" }));
		expect(unique.search("a")).toEqual([1]);

		const map = new KeyMap(false);
		map.insert(new Date(5), "x");
		map.insert(new Date(5), "y");
		map.insert({ o: 1 }, "z");
		expect(map.search(new Date(5))).toEqual(["x", "y"]);
		map.delete(new Date(5), "x");
		expect(map.search(new Date(5))).toEqual(["y"]);
		expect(map.search({ o: 1 })).toEqual(["z"]);
		map.delete({ o: 1 }, "z");
		expect(map.search({ o: 1 })).toEqual([]);
		expect(map.getNumberOfKeys()).toBe(1);
	});
});
