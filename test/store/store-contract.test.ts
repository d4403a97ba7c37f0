/**
 * The storage contract every service relies on, run against each adapter: the embedded NeDB
 * store, PostgreSQL (the machine's server) and the MongoDB wire protocol (CongoDB in-process,
 * not a real mongod).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createStore, DuplicateKeyError, type CollectionSpec, type Store } from "../../lib/store";
import { startMongoServer, type MongoServer } from "../helpers/mongo-server";
import { createTestDatabase, type TestDatabase } from "../helpers/postgres";
import { describeWithServer } from "../helpers/servers";

const spec: CollectionSpec = {
	name: "items",
	fields: {
		sku: { type: "string", unique: true },
		name: { type: "string", required: true },
		category: { type: "string", index: true },
		priceMinor: { type: "integer", index: true },
		available: { type: "integer" },
		reserved: { type: "integer" },
		tags: { type: "json" },
		active: { type: "boolean" }
	}
};

type Item = {
	id: string;
	sku?: string;
	name: string;
	category: string;
	priceMinor: number;
	available: number;
	reserved: number;
	tags?: string[];
	active?: boolean;
};

function contract(label: string, open: () => Promise<{ uri: string | null; dataDir: string | null; cleanup(): Promise<void> }>) {
	describe(label, () => {
		let store: Store<Item>;
		let cleanup: () => Promise<void>;

		beforeAll(async () => {
			const target = await open();
			cleanup = target.cleanup;
			store = createStore<Item>(spec, { uri: target.uri, dataDir: target.dataDir, connectTimeoutMs: 5000 });
			await store.connect();
		});
		afterAll(async () => {
			await store.disconnect();
			await cleanup();
		});

		it("inserts with a generated string id and reads it back", async () => {
			const a = await store.insert({
				sku: "A-1",
				name: "Lamp",
				category: "light",
				priceMinor: 1999,
				available: 3,
				reserved: 0,
				tags: ["x"],
				active: true
			});
			expect(typeof a.id).toBe("string");
			expect(await store.findById(a.id)).toEqual(a);
			expect(await store.findById("missing")).toBeNull();
		});

		it("refuses a duplicate unique key with DuplicateKeyError", async () => {
			await store.insert({ sku: "DUP", name: "One", category: "c", priceMinor: 1, available: 0, reserved: 0 });
			await expect(
				store.insert({ sku: "DUP", name: "Two", category: "c", priceMinor: 1, available: 0, reserved: 0 })
			).rejects.toBeInstanceOf(DuplicateKeyError);
			const other = await store.insert({ sku: "OTHER", name: "Three", category: "c", priceMinor: 1, available: 0, reserved: 0 });
			await expect(store.updateById(other.id, { set: { sku: "DUP" } })).rejects.toBeInstanceOf(DuplicateKeyError);
			await expect(store.updateMany({ sku: "OTHER" }, { set: { sku: "DUP" } })).rejects.toBeInstanceOf(DuplicateKeyError);
			expect(await store.findById(other.id)).toMatchObject({ sku: "OTHER" });
		});

		it("filters, sorts and pages", async () => {
			await store.removeMany({});
			const names = ["alpha", "Bravo", "charlie", "delta", "Echo 100%"];
			for (const [i, name] of names.entries()) {
				await store.insert({ name, category: i % 2 ? "odd" : "even", priceMinor: (i + 1) * 100, available: i, reserved: 0 });
			}
			expect((await store.find({ where: { category: "odd" } })).map(d => d.name).sort()).toEqual(["Bravo", "delta"]);
			expect(
				(await store.find({ where: { priceMinor: { gte: 200, lt: 500 } }, sort: [["priceMinor", "desc"]] })).map(d => d.priceMinor)
			).toEqual([400, 300, 200]);
			expect((await store.find({ where: { name: { contains: "ECH" } } })).map(d => d.name)).toEqual(["Echo 100%"]);
			expect((await store.find({ where: { name: { contains: "0%" } } })).map(d => d.name)).toEqual(["Echo 100%"]);
			expect(await store.count({ name: { contains: "%" } })).toBe(1);
			expect(
				(await store.find({ where: { $or: [{ name: "alpha" }, { priceMinor: 500 }] }, sort: [["priceMinor", "asc"]] })).map(
					d => d.name
				)
			).toEqual(["alpha", "Echo 100%"]);
			expect((await store.find({ where: { category: { in: ["odd"] } } })).length).toBe(2);
			expect((await store.find({ where: { category: { ne: "odd" } } })).length).toBe(3);
			const page = await store.find({ sort: [["priceMinor", "asc"]], offset: 1, limit: 2 });
			expect(page.map(d => d.priceMinor)).toEqual([200, 300]);
			expect(await store.count({ category: "even" })).toBe(3);
		});

		it("updates atomically only when the condition holds, under concurrency", async () => {
			const item = await store.insert({ name: "Scarce", category: "c", priceMinor: 1, available: 20, reserved: 0 });
			const attempts = await Promise.all(
				Array.from({ length: 100 }, () =>
					store.updateById(item.id, { inc: { available: -1, reserved: 1 } }, { available: { gte: 1 } })
				)
			);
			expect(attempts.filter(Boolean)).toHaveLength(20);
			const after = await store.findById(item.id);
			expect(after).toMatchObject({ available: 0, reserved: 20 });
			expect(await store.updateById(item.id, { set: { name: "x" } }, { available: { gte: 1 } })).toBeNull();
			expect(await store.updateById(item.id, { set: { name: "Renamed" } })).toMatchObject({ name: "Renamed", available: 0 });
		});

		it("updates and removes many", async () => {
			const n = await store.updateMany({ category: "odd" }, { set: { active: false } });
			expect(n).toBe(2);
			expect(await store.count({ active: false })).toBe(2);
			expect(await store.removeMany({ category: "odd" })).toBe(2);
			const one = await store.findOne({ category: "even" });
			expect(one).not.toBeNull();
			expect(await store.removeById(one!.id)).toBe(true);
			expect(await store.removeById(one!.id)).toBe(false);
		});

		it("answers a ping", async () => {
			await expect(store.ping()).resolves.toBeUndefined();
		});
	});
}

contract("NeDB store in memory", async () => ({ uri: null, dataDir: null, cleanup: async () => undefined }));

contract("NeDB store persisted to DATA_DIR", async () => {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), "shop-store-"));
	return { uri: null, dataDir: dir, cleanup: async () => fs.rmSync(dir, { recursive: true, force: true }) };
});

describe("NeDB persistence", () => {
	it("keeps data across a reopen", async () => {
		const dir = fs.mkdtempSync(path.join(os.tmpdir(), "shop-store-"));
		try {
			const first = createStore<Item>(spec, { uri: null, dataDir: dir, connectTimeoutMs: 1000 });
			await first.connect();
			const a = await first.insert({ name: "Kept", category: "c", priceMinor: 1, available: 1, reserved: 0 });
			await first.updateById(a.id, { inc: { available: 4 } });
			await first.disconnect();
			const second = createStore<Item>(spec, { uri: null, dataDir: dir, connectTimeoutMs: 1000 });
			await second.connect();
			expect(await second.findById(a.id)).toMatchObject({ name: "Kept", available: 5 });
			await second.disconnect();
		} finally {
			fs.rmSync(dir, { recursive: true, force: true });
		}
	});

	it("appends the very lines NeDB's serializer writes, Dates and Unicode line breaks included, and reads them back after a crash (no compaction)", async () => {
		type Odd = Item & { nested: unknown; seenAt?: Date; note?: string | null };
		// eslint-disable-next-line @typescript-eslint/no-require-imports
		const nedbModel = require("@seald-io/nedb/lib/model.js") as { serialize(doc: unknown): string };
		const dir = fs.mkdtempSync(path.join(os.tmpdir(), "shop-store-"));
		try {
			const first = createStore<Odd>(spec, { uri: null, dataDir: dir, connectTimeoutMs: 1000 });
			await first.connect();
			const plain = await first.insert({
				name: 'Plain "quoted" \u00e9 \u0085\u2028\u2029 line breaks to NeDB',
				category: "c",
				priceMinor: 1,
				available: 1,
				reserved: 0,
				tags: ["a", "b"],
				nested: { deep: [{ x: 1.5, y: null }], empty: {} },
				note: null
			});
			const dated = await first.insert({
				name: "Dated",
				category: "c",
				priceMinor: 2,
				available: 1,
				reserved: 0,
				nested: { at: new Date("2026-11-22T07:00:00.000Z") },
				seenAt: new Date("2026-11-21T07:00:00.000Z")
			});
			await first.updateById(plain.id, { inc: { available: 4 }, set: { note: "changed" } });

			// What NeDB itself would have written for each state, in order after its index lines.
			const lines = fs.readFileSync(path.join(dir, "items.db"), "utf8").trim().split("\n");
			const written = lines.filter(l => !l.includes("$$indexCreated"));
			const expected = [plain, dated, { ...plain, available: 5, note: "changed" }].map(({ id, ...rest }) =>
				nedbModel.serialize({ ...rest, _id: id })
			);
			expect(written.map(l => JSON.parse(l))).toEqual(expected.map(l => JSON.parse(l)));
			expect(written[1]).toContain('"$$date":');

			// A second process opening the files of one that died (no compaction on the way out).
			const second = createStore<Odd>(spec, { uri: null, dataDir: dir, connectTimeoutMs: 1000 });
			await second.connect();
			expect(await second.findById(plain.id)).toMatchObject({
				name: plain.name,
				available: 5,
				note: "changed",
				nested: { deep: [{ x: 1.5, y: null }] }
			});
			const back = await second.findById(dated.id);
			expect(back?.seenAt).toBeInstanceOf(Date);
			expect((back?.nested as { at: Date }).at.toISOString()).toBe("2026-11-22T07:00:00.000Z");
			await second.disconnect();
			await first.disconnect();

			// Disconnecting compacted the file (NeDB rewrote every line itself): still readable.
			const third = createStore<Odd>(spec, { uri: null, dataDir: dir, connectTimeoutMs: 1000 });
			await third.connect();
			expect((await third.findById(plain.id))?.name).toBe(plain.name);
			await third.disconnect();
		} finally {
			fs.rmSync(dir, { recursive: true, force: true });
		}
	});
});

describe("NeDB indexes", () => {
	type Task = { id: string; owner: string; state: string; at?: string };
	const tasks: CollectionSpec = {
		name: "tasks",
		fields: {
			owner: { type: "string", required: true, index: true },
			state: { type: "string", required: true, index: true, lowCardinality: true },
			at: { type: "string", index: true, sortOnly: true }
		}
	};

	it("leaves low-cardinality fields unindexed (NeDB updates a key in linear time) and still filters on them", async () => {
		const store = createStore<Task>(tasks, { uri: null, dataDir: null, connectTimeoutMs: 1000 });
		await store.connect();
		try {
			const indexed = Object.keys((store as unknown as { db: { indexes: Record<string, unknown> } }).db.indexes);
			expect(indexed).toEqual(expect.arrayContaining(["_id", "owner"]));
			expect(indexed).not.toContain("state");
			const docs = await Promise.all(["a", "b", "c"].map(owner => store.insert({ owner, state: "open" })));
			expect(await store.updateById(docs[1].id, { set: { state: "done" } }, { state: "open" })).toMatchObject({ state: "done" });
			expect(await store.updateById(docs[1].id, { set: { state: "done" } }, { state: "open" })).toBeNull();
			expect((await store.find({ where: { state: "open" } })).map(t => t.owner).sort()).toEqual(["a", "c"]);
		} finally {
			await store.disconnect();
		}
	});

	it("drops an index its file records when the spec no longer asks for it, and keeps it dropped", async () => {
		const dir = fs.mkdtempSync(path.join(os.tmpdir(), "shop-store-"));
		const indexedIn = async (spec: CollectionSpec) => {
			const store = createStore<Task>(spec, { uri: null, dataDir: dir, connectTimeoutMs: 1000 });
			await store.connect();
			const names = Object.keys((store as unknown as { db: { indexes: Record<string, unknown> } }).db.indexes);
			const owners = (await store.find({ where: { owner: "a" } })).length;
			await store.disconnect();
			return { names, owners };
		};
		try {
			const store = createStore<Task>(tasks, { uri: null, dataDir: dir, connectTimeoutMs: 1000 });
			await store.connect();
			await store.insert({ owner: "a", state: "open" });
			await store.disconnect();
			expect((await indexedIn(tasks)).names).toContain("owner");

			const unindexed: CollectionSpec = { ...tasks, fields: { ...tasks.fields, owner: { type: "string", required: true } } };
			expect(await indexedIn(unindexed)).toEqual({ names: ["_id"], owners: 1 });
			expect((await indexedIn(unindexed)).names).toEqual(["_id"]);
		} finally {
			fs.rmSync(dir, { recursive: true, force: true });
		}
	});

	it("builds no index for a sort-only field (NeDB sorts in memory) and still sorts on it", async () => {
		const store = createStore<Task>(tasks, { uri: null, dataDir: null, connectTimeoutMs: 1000 });
		await store.connect();
		try {
			expect(Object.keys((store as unknown as { db: { indexes: Record<string, unknown> } }).db.indexes)).not.toContain("at");
			for (const [owner, at] of [
				["b", "2026-12-02"],
				["a", "2026-12-03"],
				["c", "2026-12-01"]
			])
				await store.insert({ owner, state: "open", at });
			expect((await store.find({ sort: [["at", "desc"]], limit: 2 })).map(t => t.owner)).toEqual(["a", "b"]);
		} finally {
			await store.disconnect();
		}
	});

	it("answers indexed queries with the latest version of a document, whether its indexed values changed or not", async () => {
		type Account = { id: string; email: string; owner: string; balance: number };
		const accounts = createStore<Account>(
			{
				name: "accounts",
				fields: {
					email: { type: "string", required: true, unique: true },
					owner: { type: "string", required: true, index: true },
					balance: { type: "integer", required: true }
				}
			},
			{ uri: null, dataDir: null, connectTimeoutMs: 1000 }
		);
		await accounts.connect();
		try {
			const a = await accounts.insert({ email: "a@x", owner: "o1", balance: 0 });
			const b = await accounts.insert({ email: "b@x", owner: "o1", balance: 0 });
			await accounts.updateById(a.id, { inc: { balance: 5 } }); // no indexed value changes
			expect(await accounts.findOne({ email: "a@x" })).toMatchObject({ balance: 5 });
			expect(await accounts.findById(a.id)).toMatchObject({ balance: 5 });
			expect((await accounts.find({ where: { owner: "o1" } })).map(x => x.balance).sort()).toEqual([0, 5]);

			await accounts.updateById(b.id, { set: { owner: "o2" }, inc: { balance: 1 } }); // owner moves
			expect((await accounts.find({ where: { owner: "o1" } })).map(x => x.id)).toEqual([a.id]);
			expect(await accounts.findOne({ owner: "o2" })).toMatchObject({ id: b.id, balance: 1 });

			// A unique clash on one index leaves every index as it was, the swapped ones included.
			await expect(accounts.updateById(b.id, { set: { email: "a@x" }, inc: { balance: 1 } })).rejects.toBeInstanceOf(
				DuplicateKeyError
			);
			expect(await accounts.findOne({ email: "b@x" })).toMatchObject({ id: b.id, balance: 1 });
			expect(await accounts.findOne({ owner: "o2" })).toMatchObject({ id: b.id, balance: 1, email: "b@x" });
			expect(await accounts.findById(b.id)).toMatchObject({ balance: 1, email: "b@x" });
			await accounts.updateById(b.id, { inc: { balance: 1 } });
			expect(await accounts.findOne({ email: "b@x" })).toMatchObject({ balance: 2 });

			// Several documents in one update: one keeps its email, the other clashes; nothing changes.
			await expect(accounts.updateMany({ id: { in: [a.id, b.id] } }, { set: { email: "a@x", balance: 99 } })).rejects.toBeInstanceOf(
				DuplicateKeyError
			);
			expect(await accounts.findOne({ email: "a@x" })).toMatchObject({ id: a.id, balance: 5 });
			expect(await accounts.findOne({ email: "b@x" })).toMatchObject({ id: b.id, balance: 2 });
		} finally {
			await accounts.disconnect();
		}
	});

	it("refuses a compound unique index it could not enforce", async () => {
		const store = createStore(
			{ name: "pairs", fields: { a: { type: "string" }, b: { type: "string" } }, indexes: [{ fields: ["a", "b"], unique: true }] },
			{ uri: null, dataDir: null, connectTimeoutMs: 1000 }
		);
		await expect(store.connect()).rejects.toThrow(/compound unique index/);
	});
});

describeWithServer(
	"PostgreSQL",
	"127.0.0.1",
	5432
)("PostgreSQL", () => {
	contract("Sequelize store on PostgreSQL", async () => {
		const db: TestDatabase = await createTestDatabase("store");
		return { uri: db.uri, dataDir: null, cleanup: () => db.drop() };
	});
});

contract("Mongoose store on MongoDB wire protocol (CongoDB in-process, not a real mongod)", async () => {
	const server: MongoServer = await startMongoServer();
	return { uri: server.uri, dataDir: null, cleanup: () => server.stop() };
});
