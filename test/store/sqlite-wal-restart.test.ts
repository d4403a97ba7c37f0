/**
 * The embedded database's WAL starts over under a steady write load (lib/store/sqlite-checkpointer.ts):
 * the checkpointer holds the database's writes while it folds back the last frames, so the WAL
 * starts over instead of growing to SQLite's own checkpoint on the event loop, no write issued
 * during a hold is lost or reordered, reads go on during a hold without keeping the WAL from
 * starting over, and holds that cannot help back off.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { DatabaseSync } from "../../lib/store/node-sqlite";
import { SqliteDatabase } from "../../lib/store/sqlite-database";
import { SqliteStore } from "../../lib/store/sqlite-store";

const WRITERS = 4;
const LOAD_MS = 2_500;

let dir: string;

beforeEach(() => {
	dir = fs.mkdtempSync(path.join(os.tmpdir(), "wal-restart-"));
});

afterEach(() => {
	fs.rmSync(dir, { recursive: true, force: true });
});

/**
 * Writes for LOAD_MS from WRITERS concurrent callers, each a row every 2 ms, so that a commit always
 * comes before a checkpoint can catch up; returns how often the WAL started over and what was kept.
 */
async function steadyLoad(
	walRestartPages: number,
	opts: { readerOpen?: boolean } = {}
): Promise<{ rows: number; written: number; sequenceKept: boolean; holds: number; restarts: number }> {
	const file = path.join(dir, `restart-at-${walRestartPages}.sqlite`);
	const db = new SqliteDatabase({ file, walRestartPages });
	let holds = 0;
	const hold = db.hold.bind(db);
	db.hold = work => (holds++, hold(work));
	db.open();
	db.exec("CREATE TABLE events (writer INTEGER, n INTEGER, body TEXT)");
	// Another connection in the middle of a read keeps every frame after its snapshot in the WAL.
	const reader = opts.readerOpen ? new DatabaseSync(file) : null;
	reader?.exec("BEGIN");
	reader?.prepare("SELECT count(*) FROM events").get();
	const insert = db.statement("INSERT INTO events (writer, n, body) VALUES (?, ?, ?)");
	const body = "x".repeat(200);
	let written = 0;
	const until = Date.now() + LOAD_MS;
	// A reader beside them, which a hold lets through.
	const count = db.statement("SELECT count(*) AS n FROM events");
	const reading = (async () => {
		while (Date.now() < until) {
			for (let open = db.idle(true); open; open = db.idle(true)) await open;
			count.get();
			await new Promise(resolve => setTimeout(resolve, 1));
		}
	})();
	await Promise.all(
		Array.from({ length: WRITERS }, async (_, writer) => {
			for (let n = 0; Date.now() < until; n++) {
				for (let open = db.idle(); open; open = db.idle()) await open;
				await db.write(() => insert.run(writer, n, body));
				written++;
				await new Promise(resolve => setTimeout(resolve, 2));
			}
		})
	);
	await reading;
	// The WAL header's checkpoint sequence number counts the times the WAL started over.
	const header = Buffer.alloc(16);
	const wal = fs.openSync(`${file}-wal`, "r");
	fs.readSync(wal, header, 0, 16, 0);
	fs.closeSync(wal);
	const restarts = header.readUInt32BE(12);
	reader?.close();
	db.close();
	const reopened = new SqliteDatabase({ file });
	reopened.open();
	const rows = Number((reopened.statement("SELECT count(*) AS n FROM events").get() as { n: number }).n);
	const perWriter = reopened.statement("SELECT n FROM events WHERE writer = ? ORDER BY rowid").all(1) as Array<{ n: number }>;
	reopened.close();
	return { rows, written, sequenceKept: perWriter.every((row, i) => row.n === i), holds, restarts };
}

test("under a steady write load the WAL starts over, and every write is kept in order", async () => {
	const restarting = await steadyLoad(64);
	expect(restarting.rows).toBe(restarting.written);
	expect(restarting.sequenceKept).toBe(true);
	// Past 64 frames at a checkpoint (one every 250 ms) the WAL starts over: 6-7 times in 2.5 s on an
	// idle machine; fewer checkpoints come on a loaded one.
	expect(restarting.restarts).toBeGreaterThanOrEqual(2);

	// The same load with the restart out of reach: the WAL mostly grows, since a commit nearly always
	// comes before a checkpoint catches up. On a loaded machine a pause of the writers now and then
	// lets SQLite start it over by itself (twice once in CI), but far less often than the holds do.
	const growing = await steadyLoad(1_000_000);
	expect(growing.rows).toBe(growing.written);
	expect(growing.restarts).toBeLessThan(restarting.restarts);
});

test("while another connection keeps the WAL from starting over, the holds come further and further apart", async () => {
	const blocked = await steadyLoad(64, { readerOpen: true });
	expect(blocked.rows).toBe(blocked.written);
	// A checkpoint every 250 ms would hold about ten times in 2.5 s; with the pause doubling from
	// 250 ms after each hold that did not help, five at most.
	expect(blocked.holds).toBeGreaterThan(0);
	expect(blocked.holds).toBeLessThanOrEqual(5);
});

test("a hold keeps the database's writes waiting and lets its reads through", async () => {
	const db = new SqliteDatabase({ file: path.join(dir, "held.sqlite") });
	const store = new SqliteStore<{ id: string; n: number }>({ name: "rows", fields: { n: { type: "integer", required: true } } }, db);
	await store.connect();
	let release: (() => void) | undefined;
	try {
		const first = await store.insert({ n: 1 });
		const holding = db.hold(() => new Promise<void>(resolve => (release = resolve)));
		while (!release) await new Promise(resolve => setImmediate(resolve));
		const late = new Promise<"waited">(resolve => setTimeout(() => resolve("waited"), 200));
		expect(await Promise.race([store.findById(first.id), late])).toMatchObject({ n: 1 });
		expect(await Promise.race([store.count(), late])).toBe(1);
		expect(await Promise.race([store.find({ where: { n: 1 } }), late])).toHaveLength(1);
		const written = store.insert({ n: 2 });
		expect(await Promise.race([written, late])).toBe("waited");
		release();
		await holding;
		expect(await written).toMatchObject({ n: 2 });
		expect(await store.count()).toBe(2);
	} finally {
		release?.();
		await store.disconnect();
	}
});
