/**
 * Counts asked for in the background (`count(where, { background: true })`, the metrics pollers')
 * run on the checkpointer's thread: the event loop keeps turning while a long one runs, the figure
 * is the same, and where the worker cannot answer, the store counts on its own connection.
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
			const row = await readInBackground(path.join(dir, "store.sqlite"), slow, [3_000_000]);
			expect(row).toEqual({ n: 3_000_000 });
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
			readInBackground(path.join(dir, "store.sqlite"), "SELECT COUNT(*) AS n FROM rows WHERE shop_contains(label, ?)", ["row 1"])
		).rejects.toThrow(/no such function: shop_contains/);
		expect(await store.count({ label: { contains: "row 1" } }, { background: true })).toBe(11);
	});

	it("has no worker for a database in memory, and counts there as usual", async () => {
		const inMemory = createStore<Row>(spec, { uri: null, dataDir: null, connectTimeoutMs: 1000 });
		await inMemory.connect();
		try {
			await inMemory.insert({ state: "open", label: "only" });
			expect(await inMemory.count({ state: "open" }, { background: true })).toBe(1);
		} finally {
			await inMemory.disconnect();
		}
	});
});
