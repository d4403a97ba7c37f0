/**
 * The checkpointer leaves a database alone while nothing is written to it (lib/store/sqlite-checkpointer-worker.ts):
 * an idle shop's nine databases were checkpointed four times a second each, for nothing. A write
 * after the pause is still folded back into the database file, at the next round (a second apart
 * while nothing is written).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { checkpointCounts } from "../../lib/store/sqlite-checkpointer";
import { SqliteDatabase } from "../../lib/store/sqlite-database";

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

let dir: string;
let file: string;
let db: SqliteDatabase;

beforeEach(() => {
	dir = fs.mkdtempSync(path.join(os.tmpdir(), "checkpointer-idle-"));
	file = path.join(dir, "store.sqlite");
	db = new SqliteDatabase({ file });
	db.open();
	db.exec("CREATE TABLE rows (body TEXT)");
});

afterEach(() => {
	db.close();
	fs.rmSync(dir, { recursive: true, force: true });
});

const checkpointsOf = async () => (await checkpointCounts())[file] ?? 0;

async function insert(bytes: number): Promise<void> {
	const statement = db.statement("INSERT INTO rows (body) VALUES (?)");
	await db.write(() => statement.run("x".repeat(bytes)));
}

/** Waits until the database file (not its WAL) holds at least `bytes`: the checkpointer folded the WAL back. */
async function foldedTo(bytes: number, withinMs: number): Promise<boolean> {
	for (const until = Date.now() + withinMs; Date.now() < until; await sleep(20)) {
		if (fs.statSync(file).size >= bytes) return true;
	}
	return false;
}

test("a database with nothing written is not checkpointed again, and a write after the pause is folded back", async () => {
	await insert(100);
	// The first round comes within a second (none was due before the database was added).
	expect(await foldedTo(8 * 1024, 5_000)).toBe(true);
	// A round comes every 250 ms: without the skip, 1.5 s idle would make about six checkpoints.
	await sleep(300);
	const idleFrom = await checkpointsOf();
	await sleep(1_500);
	expect((await checkpointsOf()) - idleFrom).toBeLessThanOrEqual(1);

	// While every database is idle the rounds come a second apart.
	const size = fs.statSync(file).size;
	await insert(64 * 1024);
	expect(await foldedTo(size + 64 * 1024, 5_000)).toBe(true);
	expect(await checkpointsOf()).toBeGreaterThan(idleFrom);
});
