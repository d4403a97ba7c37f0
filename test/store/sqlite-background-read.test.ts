/**
 * Reads asked for in the background (`count(where, { background: true })`, the metrics pollers';
 * `findWithTotal(options, { background: true })`, an admin's lists) run on the checkpointer's
 * thread: the event loop keeps turning while a long one runs, the figures are the same, a page and
 * its total come from one snapshot, and where the worker cannot answer, the store reads on its own
 * connection.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createStore, type Store } from "../../lib/store";
import { readInBackground } from "../../lib/store/sqlite-checkpointer";

type Row = { id: string; state: string; label: string };
const spec = {
	name: "rows",
	fields: { state: { type: "string" as const, required: true, index: true }, label: { type: "string" as const, required: true } }
};

describe("embedded store: counts in the background", () => {
	let dir: string;
	let store: Store<Row>;

	beforeAll(async () => {
		dir = fs.mkdtempSync(path.join(os.tmpdir(), "bg-read-"));
		store = createStore<Row>(spec, { uri: null, dataDir: dir, connectTimeoutMs: 1000 });
		await store.connect();
		for (let i = 0; i < 30; i++) await store.insert({ state: i % 3 === 0 ? "open" : "done", label: `Row ${i}` });
	});
	afterAll(async () => {
		await store.disconnect();
		fs.rmSync(dir, { recursive: true, force: true });
	});

	it("gives the same figures as a count on the store's own connection", async () => {
		for (const where of [{}, { state: "open" }, { state: "done" }, { state: "none" }]) {
			expect(await store.count(where, { background: true })).toBe(await store.count(where));
		}
		expect(await store.count({ state: "open" }, { background: true })).toBe(10);
	});

	it("counts on the worker's connection, which sees what was committed and not the open transaction", async () => {
		await store.transaction(async tx => {
			await tx.bind(store).insert({ state: "inside", label: "Not yet committed" });
			expect(await tx.bind(store).count({ state: "inside" })).toBe(1);
			expect(await store.count({ state: "inside" }, { background: true })).toBe(0);
		});
		expect(await store.count({ state: "inside" }, { background: true })).toBe(1);
	});

	it("leaves the event loop free while the worker reads", async () => {
		// About a third of a second of SQLite work on one thread.
		const slow = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ?) SELECT COUNT(*) AS n FROM c";
		let ticks = 0;
		const timer = setInterval(() => ticks++, 5);
		const started = performance.now();
		try {
			const results = await readInBackground(path.join(dir, "store.sqlite"), [{ sql: slow, params: [3_000_000] }]);
			expect(results).toEqual([{ n: 3_000_000 }]);
		} finally {
			clearInterval(timer);
		}
		const ms = performance.now() - started;
		// Run on the event loop, the timer could not have fired before the read ended.
		expect(ticks).toBeGreaterThanOrEqual(Math.floor(ms / 5 / 4));
		expect(ticks).toBeGreaterThan(5);
	});

	it("counts on its own connection what the worker cannot (a function only the store's connection has)", async () => {
		await expect(
			readInBackground(path.join(dir, "store.sqlite"), [
				{ sql: "SELECT COUNT(*) AS n FROM rows WHERE shop_contains(label, ?)", params: ["row 1"] }
			])
		).rejects.toThrow(/no such function: shop_contains/);
		expect(await store.count({ label: { contains: "row 1" } }, { background: true })).toBe(11);
		const page = await store.findWithTotal({ where: { label: { contains: "row 1" } }, limit: 3 }, { background: true });
		expect(page.total).toBe(11);
		expect(page.docs).toHaveLength(3);
	});

	it("reads a page and its total as the store's own connection does", async () => {
		for (const where of [{}, { state: "open" }, { state: "none" }]) {
			const options = { where, sort: [["label", "desc"]] as Array<[string, "asc" | "desc"]>, offset: 2, limit: 5 };
			const apart = { docs: await store.find(options), total: await store.count(where) };
			expect(await store.findWithTotal(options, { background: true })).toEqual(apart);
			expect(await store.findWithTotal(options)).toEqual(apart);
		}
		const open = await store.findWithTotal({ where: { state: "open" }, limit: 100 }, { background: true });
		expect(open.total).toBe(10);
		expect(open.docs.map(d => d.state)).toEqual(Array(10).fill("open"));
	});

	it("reads a page and its total on one snapshot while writes commit in between", async () => {
		const many = createStore<Row>({ ...spec, name: "many" }, { uri: null, dataDir: dir, connectTimeoutMs: 1000 });
		await many.connect();
		try {
			await many.transaction(async tx => {
				for (let i = 0; i < 20_000; i++) await tx.bind(many).insert({ state: "old", label: `Row ${i}` });
			});
			// Commits land every turn while the worker selects 20,000 rows and counts them.
			let writing = true;
			const writer = (async () => {
				for (let i = 0; writing; i++) await many.insert({ state: "new", label: `New ${i}` });
			})();
			const seen: Array<[number, number]> = [];
			try {
				for (let i = 0; i < 15; i++) {
					const { docs, total } = await many.findWithTotal({ limit: 1_000_000 }, { background: true });
					seen.push([docs.length, total]);
				}
			} finally {
				writing = false;
				await writer;
			}
			for (const [length, total] of seen) expect(length).toBe(total);
			// The writes did land between the reads.
			expect(seen[seen.length - 1]![1]).toBeGreaterThan(seen[0]![1]);
		} finally {
			await many.disconnect();
		}
	});

	it("has no worker for a database in memory, and counts there as usual", async () => {
		const inMemory = createStore<Row>(spec, { uri: null, dataDir: null, connectTimeoutMs: 1000 });
		await inMemory.connect();
		try {
			await inMemory.insert({ state: "open", label: "only" });
			expect(await inMemory.count({ state: "open" }, { background: true })).toBe(1);
			expect(await inMemory.findWithTotal({ where: { state: "open" } }, { background: true })).toEqual({
				docs: [expect.objectContaining({ label: "only" })],
				total: 1
			});
		} finally {
			await inMemory.disconnect();
		}
	});
});
