/**
 * The data directory lock (lib/data-dir-lock.ts) on real files and real processes: exclusive
 * against a live process, stale after a dead one, held per process and directory (counted).
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { DataDirLockedError, LOCK_FILE, acquireDataDirLock } from "../../lib/data-dir-lock";

let dir: string;
const lockPath = () => path.join(dir, LOCK_FILE);
const owner = () => JSON.parse(fs.readFileSync(lockPath(), "utf8"));
const writeLock = (content: unknown) => fs.writeFileSync(lockPath(), typeof content === "string" ? content : JSON.stringify(content));

/** The pid of a process that has exited (its pid is not reused within the test). */
function deadPid(): number {
	const child = spawnSync(process.execPath, ["-e", ""]);
	return child.pid!;
}

beforeEach(() => {
	dir = fs.mkdtempSync(path.join(os.tmpdir(), "shop-lock-"));
});

afterEach(() => {
	fs.rmSync(dir, { recursive: true, force: true });
});

describe("acquireDataDirLock", () => {
	it("writes this process's pid and start time, and removes the file on release", () => {
		const lock = acquireDataDirLock(dir);
		expect(owner()).toEqual({ pid: process.pid, startedAt: expect.any(String) });
		expect(Number.isNaN(Date.parse(owner().startedAt))).toBe(false);
		lock.release();
		expect(fs.existsSync(lockPath())).toBe(false);
	});

	it("creates a missing directory", () => {
		const nested = path.join(dir, "a", "b");
		const lock = acquireDataDirLock(nested);
		expect(fs.existsSync(path.join(nested, LOCK_FILE))).toBe(true);
		lock.release();
	});

	it("refuses while a live process holds it, naming the pid and the directory", () => {
		// The parent of this test process is alive for as long as the test runs.
		writeLock({ pid: process.ppid, startedAt: "2026-01-01T00:00:00.000Z" });
		let error: unknown;
		try {
			acquireDataDirLock(dir);
		} catch (err) {
			error = err;
		}
		expect(error).toBeInstanceOf(DataDirLockedError);
		expect(error).toMatchObject({ pid: process.ppid, dir: fs.realpathSync(dir), startedAt: "2026-01-01T00:00:00.000Z" });
		expect((error as Error).message).toContain(`pid ${process.ppid}`);
		expect((error as Error).message).toContain(fs.realpathSync(dir));
		expect(owner().pid).toBe(process.ppid);
	});

	it("takes over a lock whose process is gone", () => {
		writeLock({ pid: deadPid(), startedAt: "2026-01-01T00:00:00.000Z" });
		const lock = acquireDataDirLock(dir);
		expect(owner().pid).toBe(process.pid);
		lock.release();
		expect(fs.existsSync(lockPath())).toBe(false);
		expect(fs.readdirSync(dir)).toEqual([]);
	});

	it("takes over a lock with this process's pid that this process did not take (an earlier life with the same pid)", () => {
		writeLock({ pid: process.pid, startedAt: "2026-01-01T00:00:00.000Z" });
		const lock = acquireDataDirLock(dir);
		expect(owner().startedAt).not.toBe("2026-01-01T00:00:00.000Z");
		lock.release();
	});

	it("takes over a lock file that never got an owner", () => {
		writeLock("");
		const lock = acquireDataDirLock(dir);
		expect(owner().pid).toBe(process.pid);
		lock.release();
	});

	it("is held per process and directory: taken again, it goes with the last release; a release counts once", () => {
		const first = acquireDataDirLock(dir);
		const second = acquireDataDirLock(path.join(dir, "."));
		first.release();
		first.release();
		expect(owner().pid).toBe(process.pid);
		second.release();
		expect(fs.existsSync(lockPath())).toBe(false);
		// And it can be taken again after that.
		acquireDataDirLock(dir).release();
	});

	it("leaves alone a lock that someone else took over meanwhile", () => {
		const lock = acquireDataDirLock(dir);
		writeLock({ pid: process.ppid, startedAt: "2026-01-01T00:00:00.000Z" });
		lock.release();
		expect(owner().pid).toBe(process.ppid);
	});

	it("another process is refused while this one holds it, and gets it once released", () => {
		const lock = acquireDataDirLock(dir);
		const tryFromChild = () =>
			spawnSync(
				path.resolve(__dirname, "../../node_modules/.bin/node"),
				[
					"--import",
					"tsx",
					"-e",
					`const { acquireDataDirLock } = require("./lib/data-dir-lock"); try { acquireDataDirLock(${JSON.stringify(dir)}).release(); console.log("acquired"); } catch (e) { console.log(e.name, e.pid); }`
				],
				{ cwd: path.resolve(__dirname, "../.."), encoding: "utf8", timeout: 20_000 }
			).stdout.trim();
		expect(tryFromChild()).toBe(`DataDirLockedError ${process.pid}`);
		lock.release();
		expect(tryFromChild()).toBe("acquired");
	}, 45_000);
});
