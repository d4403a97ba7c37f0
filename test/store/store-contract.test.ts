/**
 * The storage contract every service relies on, run against each adapter: the embedded SQLite
 * store, PostgreSQL (the machine's server) and the MongoDB wire protocol (CongoDB in-process,
 * not a real mongod).
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import { DatabaseSync } from "node:sqlite";
import os from "node:os";
import path from "node:path";
import { createStore, DuplicateKeyError, type CollectionSpec, type SortSpec, type Store } from "../../lib/store";
import { startMongoServer, type MongoServer } from "../helpers/mongo-server";
import { createTestDatabase, type TestDatabase } from "../helpers/postgres";
import { describeWithServer } from "../helpers/servers";
import { DEFERRED_COMMIT_MS } from "../../lib/store/sqlite-database";
import { CRASH_SPEC } from "./sqlite-crash-writer";

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

type Target = () => Promise<{ uri: string | null; dataDir: string | null; cleanup(): Promise<void> }>;

/**
 * `transactions: false` for a server that cannot run them: the store must then refuse them clearly.
 * `keyedById`: the same contract on a collection the embedded store keeps in id order (WITHOUT ROWID).
 */
function contract(label: string, open: Target, { transactions = true, keyedById = false } = {}) {
	describe(label, () => {
		let store: Store<Item>;
		let cleanup: () => Promise<void>;

		beforeAll(async () => {
			const target = await open();
			cleanup = target.cleanup;
			store = createStore<Item>({ ...spec, keyedById }, { uri: target.uri, dataDir: target.dataDir, connectTimeoutMs: 5000 });
			await store.connect();
		});
		afterAll(async () => {
			await store.disconnect();
			await cleanup();
		});

		it("applies a deferrable insert and removal at once: read back, counted, gone", async () => {
			const d = await store.insert(
				{ name: "Deferred", category: "deferred", priceMinor: 1, available: 1, reserved: 0 },
				{ deferrable: true }
			);
			expect(await store.findById(d.id)).toEqual(d);
			await expect(store.insert({ ...d }, { deferrable: true })).rejects.toBeInstanceOf(DuplicateKeyError);
			expect(await store.removeMany({ category: "deferred" }, { deferrable: true })).toBe(1);
			expect(await store.findById(d.id)).toBeNull();
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
			await store.insert({
				name: "Tagged",
				category: "even",
				priceMinor: 50,
				available: 1,
				reserved: 0,
				tags: ["a", "b"],
				active: true
			});
			for (const background of [false, true]) {
				const options = { where: { category: "even" }, sort: [["priceMinor", "desc"]] as SortSpec, offset: 1, limit: 3 };
				const withTotal = await store.findWithTotal(options, { background });
				expect({ prices: withTotal.docs.map(d => d.priceMinor), total: withTotal.total }).toEqual({
					prices: [300, 100, 50],
					total: 4
				});
				// Every field as find reads it (JSON and booleans too, from the worker's rows on the embedded store).
				expect(withTotal.docs).toEqual(await store.find(options));
			}
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

		if (!transactions)
			it("refuses a transaction it cannot run, writing nothing", async () => {
				const item = await store.insert({ name: "NoTx", category: "notx", priceMinor: 1, available: 5, reserved: 0 });
				await expect(store.transaction(async tx => tx.bind(store).updateById(item.id, { inc: { available: -1 } }))).rejects.toThrow(
					/runs no transactions/
				);
				expect(await store.findById(item.id)).toMatchObject({ available: 5 });
			});

		if (transactions)
			it("commits a transaction's writes together and rolls all of them back when it throws", async () => {
				const from = await store.insert({ sku: "TX-FROM", name: "From", category: "tx", priceMinor: 1, available: 5, reserved: 0 });
				const to = await store.insert({ name: "To", category: "tx", priceMinor: 1, available: 0, reserved: 0 });
				const moved = await store.transaction(async tx => {
					const view = tx.bind(store);
					await view.updateById(from.id, { inc: { available: -2 } }, { available: { gte: 2 } });
					await view.updateById(to.id, { inc: { available: 2 } });
					return (await view.findById(to.id))!.available;
				});
				expect(moved).toBe(2);
				await expect(
					store.transaction(async tx => {
						const view = tx.bind(store);
						await view.updateById(from.id, { inc: { available: -3 } });
						await view.insert({
							sku: "TX-NEW",
							name: "Made in a failed transaction",
							category: "tx",
							priceMinor: 1,
							available: 0,
							reserved: 0
						});
						await view.updateById(to.id, { inc: { available: 3 } });
						throw new Error("changed my mind");
					})
				).rejects.toThrow("changed my mind");
				expect((await store.find({ where: { category: "tx" }, sort: [["name", "asc"]] })).map(d => [d.name, d.available])).toEqual([
					["From", 3],
					["To", 2]
				]);
				// A unique clash inside a transaction fails it whole.
				await expect(
					store.transaction(async tx => {
						await tx.bind(store).updateById(from.id, { inc: { available: -1 } });
						await tx
							.bind(store)
							.insert({ sku: "TX-FROM", name: "Clash", category: "tx", priceMinor: 1, available: 0, reserved: 0 });
					})
				).rejects.toBeInstanceOf(DuplicateKeyError);
				expect(await store.findById(from.id)).toMatchObject({ available: 3 });
				await store.removeMany({ category: "tx" });
			});

		if (transactions)
			it("keeps transactions started in the same turn apart: one failing undoes only its own writes", async () => {
				const insertOnce = () =>
					store.transaction(async tx => {
						const view = tx.bind(store);
						const doc = await view.insert({
							sku: "TX-SAME",
							name: "Same turn",
							category: "tx2",
							priceMinor: 1,
							available: 1,
							reserved: 0
						});
						await view.updateById(doc.id, { inc: { available: 1 } });
						return doc.id;
					});
				// Plain writes in the same turn must not be taken into (and rolled back with) the failing one either.
				const [first, second, plain] = await Promise.allSettled([
					insertOnce(),
					insertOnce(),
					store.insert({ name: "Plain", category: "tx2", priceMinor: 1, available: 0, reserved: 0 })
				]);
				// Which of the two gets the sku first is up to the database (two connections on a server).
				const both = [first, second];
				expect(both.filter(r => r.status === "fulfilled")).toHaveLength(1);
				expect(both.some(r => r.status === "rejected" && r.reason instanceof DuplicateKeyError)).toBe(true);
				expect(plain.status).toBe("fulfilled");
				expect((await store.find({ where: { category: "tx2" }, sort: [["name", "asc"]] })).map(d => [d.name, d.available])).toEqual(
					[
						["Plain", 0],
						["Same turn", 2]
					]
				);
				await store.removeMany({ category: "tx2" });
			});

		it("answers a ping", async () => {
			await expect(store.ping()).resolves.toBeUndefined();
		});
	});
}

contract("embedded SQLite store in memory", async () => ({ uri: null, dataDir: null, cleanup: async () => undefined }));

contract("embedded SQLite store persisted to DATA_DIR", async () => {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), "shop-store-"));
	return { uri: null, dataDir: dir, cleanup: async () => fs.rmSync(dir, { recursive: true, force: true }) };
});

contract(
	"embedded SQLite store persisted to DATA_DIR, keyed by id",
	async () => {
		const dir = fs.mkdtempSync(path.join(os.tmpdir(), "shop-store-"));
		return { uri: null, dataDir: dir, cleanup: async () => fs.rmSync(dir, { recursive: true, force: true }) };
	},
	{ keyedById: true }
);

describe("embedded SQLite store", () => {
	const withDir = async (run: (dir: string) => Promise<void>) => {
		const dir = fs.mkdtempSync(path.join(os.tmpdir(), "shop-store-"));
		try {
			await run(dir);
		} finally {
			fs.rmSync(dir, { recursive: true, force: true });
		}
	};

	it("makes a deferrable write durable with the next awaited commit, or on its own after DEFERRED_COMMIT_MS", () =>
		withDir(async dir => {
			const store = createStore<Item>(spec, { uri: null, dataDir: dir, connectTimeoutMs: 1000 });
			await store.connect();
			// Another connection sees only what is committed.
			const committed = (id: string) => {
				const db = new DatabaseSync(path.join(dir, "store.sqlite"), { readOnly: true });
				try {
					return db.prepare("SELECT id FROM items WHERE id = ?").get(id) !== undefined;
				} finally {
					db.close();
				}
			};
			const item = { name: "Mark", category: "c", priceMinor: 1, available: 1, reserved: 0 };
			try {
				const alone = await store.insert(item, { deferrable: true });
				expect(committed(alone.id)).toBe(false);
				await new Promise(r => setTimeout(r, DEFERRED_COMMIT_MS + 50));
				expect(committed(alone.id)).toBe(true);

				const joining = await store.insert(item, { deferrable: true });
				const awaited = await store.insert(item);
				expect(committed(joining.id)).toBe(true);
				expect(committed(awaited.id)).toBe(true);

				const lastOne = await store.insert(item, { deferrable: true });
				await store.disconnect();
				expect(committed(lastOne.id)).toBe(true);
			} finally {
				await store.disconnect();
			}
		}));

	it("keeps data across a reopen, in DATA_DIR/store.sqlite", () =>
		withDir(async dir => {
			const first = createStore<Item>(spec, { uri: null, dataDir: dir, connectTimeoutMs: 1000 });
			await first.connect();
			const a = await first.insert({
				name: "Kept \u2028 \u00e9",
				category: "c",
				priceMinor: 1,
				available: 1,
				reserved: 0,
				tags: ["a"]
			});
			await first.updateById(a.id, { inc: { available: 4 } });
			await first.disconnect();
			expect(fs.existsSync(path.join(dir, "store.sqlite"))).toBe(true);
			const second = createStore<Item>(spec, { uri: null, dataDir: dir, connectTimeoutMs: 1000 });
			await second.connect();
			expect(await second.findById(a.id)).toEqual({ ...a, available: 5 });
			await second.disconnect();
		}));

	it("adds the columns a spec gained and drops the indexes it no longer asks for", () =>
		withDir(async dir => {
			type Task = { id: string; owner: string; state?: string };
			const indexNames = async (fields: CollectionSpec["fields"]) => {
				const store = createStore<Task>({ name: "tasks", fields }, { uri: null, dataDir: dir, connectTimeoutMs: 1000 });
				await store.connect();
				await store.insert({ owner: "a", state: "open" });
				const found = (await store.find({ where: { owner: "a" } })).map(t => t.state);
				await store.disconnect();
				const db = new DatabaseSync(path.join(dir, "store.sqlite"), { readOnly: true });
				const names = (db.prepare("PRAGMA index_list(tasks)").all() as Array<{ name: string }>).map(i => i.name).sort();
				db.close();
				return { names, found };
			};
			expect(await indexNames({ owner: { type: "string", required: true, index: true } })).toEqual({
				names: ["sqlite_autoindex_tasks_1", "tasks__ix_owner"],
				found: [undefined]
			});
			expect(await indexNames({ owner: { type: "string", required: true }, state: { type: "string", index: true } })).toEqual({
				names: ["sqlite_autoindex_tasks_1", "tasks__ix_state"],
				found: [undefined, "open"]
			});
		}));

	it("keeps a collection keyed by id in a table without rowids, and rebuilds an older table so, rows and indexes kept", () =>
		withDir(async dir => {
			type Mark = { id: string; at: string };
			const open = async (name: string, keyedById: boolean, id: string) => {
				const store = createStore<Mark>(
					{ name, fields: { at: { type: "string", required: true, index: true } }, keyedById },
					{ uri: null, dataDir: dir, connectTimeoutMs: 1000 }
				);
				await store.connect();
				await store.insert({ id, at: "2026-12-07T00:00:00.000Z" });
				const kept = (await store.find({ sort: [["id", "asc"]] })).map(m => m.id);
				await store.disconnect();
				const db = new DatabaseSync(path.join(dir, "store.sqlite"), { readOnly: true });
				const { sql } = db.prepare("SELECT sql FROM sqlite_master WHERE name = ?").get(name) as { sql: string };
				const indexes = (db.prepare(`PRAGMA index_list(${name})`).all() as Array<{ origin: string }>).filter(i => i.origin === "c");
				db.close();
				return { withoutRowid: sql.endsWith("WITHOUT ROWID"), kept, indexes: indexes.length };
			};
			expect(await open("keyed", true, "b")).toEqual({ withoutRowid: true, kept: ["b"], indexes: 1 });
			expect(await open("keyed", true, "a")).toEqual({ withoutRowid: true, kept: ["a", "b"], indexes: 1 });
			// A table made with rowids before the spec asked for it is rebuilt without them, its rows and index kept.
			expect(await open("older", false, "b")).toEqual({ withoutRowid: false, kept: ["b"], indexes: 1 });
			expect(await open("older", true, "a")).toEqual({ withoutRowid: true, kept: ["a", "b"], indexes: 1 });
			expect(await open("older", true, "c")).toEqual({ withoutRowid: true, kept: ["a", "b", "c"], indexes: 1 });
			// Rows that would not fit the rebuilt table (a required column they never had) keep the old layout.
			await open("unfit", false, "b");
			const grown = createStore<Mark & { by: string }>(
				{
					name: "unfit",
					fields: { at: { type: "string", required: true }, by: { type: "string", required: true } },
					keyedById: true
				},
				{ uri: null, dataDir: dir, connectTimeoutMs: 1000 }
			);
			await grown.connect();
			expect(await grown.findById("b")).toMatchObject({ id: "b", at: "2026-12-07T00:00:00.000Z" });
			await grown.disconnect();
			const db = new DatabaseSync(path.join(dir, "store.sqlite"), { readOnly: true });
			expect((db.prepare("SELECT sql FROM sqlite_master WHERE name = 'unfit'").get() as { sql: string }).sql).not.toMatch(
				/WITHOUT ROWID/
			);
			db.close();
		}));

	it("reads each field from its own column when the spec gained one ahead of the table's older columns", () =>
		withDir(async dir => {
			type Task = { id: string; owner: string; state?: string; priority?: number };
			const open = async (fields: CollectionSpec["fields"]) => {
				const store = createStore<Task>({ name: "tasks", fields }, { uri: null, dataDir: dir, connectTimeoutMs: 1000 });
				await store.connect();
				return store;
			};
			const before = await open({ owner: { type: "string", required: true }, state: { type: "string" } });
			const old = await before.insert({ owner: "a", state: "open" });
			await before.disconnect();
			// The table keeps its column order (id, owner, state, priority); reads follow the spec's.
			const after = await open({
				priority: { type: "integer" },
				owner: { type: "string", required: true },
				state: { type: "string" }
			});
			try {
				const added = await after.insert({ owner: "b", state: "done", priority: 2 });
				expect(await after.findById(old.id)).toEqual({ id: old.id, owner: "a", state: "open" });
				expect(await after.findOne({ owner: "b" })).toEqual(added);
				expect(await after.find({ sort: [["owner", "asc"]] })).toEqual([{ id: old.id, owner: "a", state: "open" }, added]);
				expect(await after.updateById(old.id, { set: { priority: 7 } })).toEqual({
					id: old.id,
					owner: "a",
					state: "open",
					priority: 7
				});
			} finally {
				await after.disconnect();
			}
		}));

	it("enforces a compound unique index", async () => {
		const store = createStore(
			{ name: "pairs", fields: { a: { type: "string" }, b: { type: "string" } }, indexes: [{ fields: ["a", "b"], unique: true }] },
			{ uri: null, dataDir: null, connectTimeoutMs: 1000 }
		);
		await store.connect();
		try {
			await store.insert({ a: "x", b: "y" });
			await store.insert({ a: "x", b: "z" });
			await expect(store.insert({ a: "x", b: "y" })).rejects.toEqual(new DuplicateKeyError("pairs", ["a", "b"]));
		} finally {
			await store.disconnect();
		}
	});

	it("refuses an unknown field in a filter or an update instead of ignoring it", async () => {
		const store = createStore<Item>(spec, { uri: null, dataDir: null, connectTimeoutMs: 1000 });
		await store.connect();
		try {
			await expect(store.find({ where: { nope: 1 } })).rejects.toThrow(/Unknown field "nope"/);
			await expect(store.updateMany({}, { set: { nope: 1 } })).rejects.toThrow(/Unknown field "nope"/);
		} finally {
			await store.disconnect();
		}
	});

	it("keeps other callers out of an open transaction until it ends, and they see all of it or nothing", async () => {
		const store = createStore<Item>(spec, { uri: null, dataDir: null, connectTimeoutMs: 1000 });
		await store.connect();
		try {
			const item = await store.insert({ name: "Tx", category: "c", priceMinor: 1, available: 10, reserved: 0 });
			const seen: number[] = [];
			let release!: () => void;
			const gate = new Promise<void>(resolve => (release = resolve));
			let halfWay!: () => void;
			const firstWriteDone = new Promise<void>(resolve => (halfWay = resolve));
			const tx = store.transaction(async scope => {
				await scope.bind(store).updateById(item.id, { inc: { available: -1 } });
				halfWay();
				await gate;
				await scope.bind(store).updateById(item.id, { inc: { reserved: 1 } });
			});
			await firstWriteDone;
			const reader = store.findById(item.id).then(doc => seen.push(doc!.available + doc!.reserved * 100));
			await new Promise(r => setTimeout(r, 20));
			expect(seen).toEqual([]);
			release();
			await Promise.all([tx, reader]);
			expect(seen).toEqual([9 + 100]);
		} finally {
			await store.disconnect();
		}
	});

	it("commits between the transactions of a long line: the first one's answer does not wait for the last", async () => {
		const store = createStore<Item>(spec, { uri: null, dataDir: null, connectTimeoutMs: 1000 });
		await store.connect();
		try {
			const item = await store.insert({ name: "Queue", category: "c", priceMinor: 1, available: 0, reserved: 0 });
			let begun = 0;
			// Each one spans a few turns (as one awaiting another service would), all asked for at once.
			const line = Array.from({ length: 30 }, () =>
				store.transaction(async tx => {
					begun++;
					await tx.bind(store).updateById(item.id, { inc: { available: 1 } });
					await new Promise(r => setTimeout(r, 2));
				})
			);
			await line[0];
			const begunWhenFirstAnswered = begun;
			await Promise.all(line);
			expect(begunWhenFirstAnswered).toBeLessThan(30);
			expect((await store.findById(item.id))!.available).toBe(30);
		} finally {
			await store.disconnect();
		}
	});

	it("lets the callers that waited for a transaction through in the order they came, none left waiting", async () => {
		const store = createStore<Item>(spec, { uri: null, dataDir: null, connectTimeoutMs: 1000 });
		await store.connect();
		try {
			const item = await store.insert({ name: "Line", category: "c", priceMinor: 1, available: 0, reserved: 0 });
			const order: string[] = [];
			let release!: () => void;
			const gate = new Promise<void>(resolve => (release = resolve));
			const first = store.transaction(async tx => {
				await gate;
				await tx.bind(store).updateById(item.id, { inc: { available: 1 } });
				order.push("tx0");
			});
			await new Promise(r => setImmediate(r));
			// While it is open: transactions, reads and plain writes, interleaved.
			const waiting: Promise<unknown>[] = [];
			for (let i = 1; i <= 20; i++) {
				waiting.push(
					store.transaction(async tx => {
						const doc = await tx.bind(store).findById(item.id);
						// Each sees the transactions before it, and nothing of those after.
						await tx.bind(store).updateById(item.id, { set: { available: doc!.available + 1 } });
						order.push(`tx${i}`);
					})
				);
				waiting.push(store.findById(item.id).then(() => order.push(`read${i}`)));
				waiting.push(store.updateById(item.id, { inc: { reserved: 1 } }).then(() => order.push(`write${i}`)));
			}
			release();
			await Promise.all([first, ...waiting]);
			expect(order.filter(o => o.startsWith("tx"))).toEqual(Array.from({ length: 21 }, (_, i) => `tx${i}`));
			const doc = await store.findById(item.id);
			expect([doc!.available, doc!.reserved]).toEqual([21, 20]);
		} finally {
			await store.disconnect();
		}
	});
});

describe("embedded SQLite store killed mid-write (SIGKILL)", () => {
	it("keeps every transaction whole and opens again", async () => {
		const dir = fs.mkdtempSync(path.join(os.tmpdir(), "shop-store-crash-"));
		try {
			// A child process moves units between two records in transactions, as fast as it can.
			const child = spawn(process.execPath, ["--import", "tsx", path.join(__dirname, "sqlite-crash-writer.ts"), dir], {
				stdio: ["ignore", "pipe", "inherit"]
			});
			await new Promise<void>((resolve, reject) => {
				child.stdout!.on("data", (chunk: Buffer) => {
					if (chunk.toString().includes("writing")) setTimeout(resolve, 300);
				});
				child.on("exit", code => reject(new Error(`writer exited early (${code})`)));
			});
			child.kill("SIGKILL");
			await new Promise(resolve => child.once("close", resolve));

			const accounts = createStore<{ id: string; balance: number; moves: number }>(CRASH_SPEC, {
				uri: null,
				dataDir: dir,
				connectTimeoutMs: 1000
			});
			await accounts.connect();
			try {
				const [a, b] = [await accounts.findById("a"), await accounts.findById("b")];
				// Every transfer took one unit from a, gave it to b and counted itself on both: all or nothing.
				expect(a!.balance + b!.balance).toBe(1_000_000);
				expect(a!.moves).toBe(b!.moves);
				expect(b!.balance).toBe(b!.moves);
				expect(b!.moves).toBeGreaterThan(0);
				expect(await accounts.updateById("a", { inc: { moves: 1 } })).toMatchObject({ moves: a!.moves + 1 });
			} finally {
				await accounts.disconnect();
			}
		} finally {
			fs.rmSync(dir, { recursive: true, force: true });
		}
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

// CongoDB is a standalone server without transactions: the transaction test checks the refusal instead.
contract(
	"Mongoose store on MongoDB wire protocol (CongoDB in-process, not a real mongod)",
	async () => {
		const server: MongoServer = await startMongoServer();
		return { uri: server.uri, dataDir: null, cleanup: () => server.stop() };
	},
	{ transactions: false }
);
