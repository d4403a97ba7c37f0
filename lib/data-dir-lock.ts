/**
 * An exclusive lock on an embedded data directory, so that two processes never write the same
 * files (a second process's writes are lost at the first one's next compaction, or worse).
 *
 * The lock is a file `.lock` in the directory, created with O_EXCL and holding the owner's pid and
 * start time. A lock whose pid is no longer alive (a crash, a killed container) is stale and taken
 * over. It is held per process and directory: a process that already holds a directory gets it
 * again (counted), so many brokers of one test process, or a store and the runner of one app, can
 * each take and release it; the file goes when the last holder releases it, or at process exit.
 *
 * Liveness is judged by pid on this machine only: processes in other pid namespaces (containers
 * sharing a volume) cannot see each other.
 */
import fs from "node:fs";
import path from "node:path";

export const LOCK_FILE = ".lock";

export interface DataDirLock {
	/** The locked directory (absolute). */
	readonly dir: string;
	/** Gives this hold back; the file is removed when the process holds the directory no more. Idempotent. */
	release(): void;
}

interface LockOwner {
	pid: number;
	startedAt: string;
}

export class DataDirLockedError extends Error {
	constructor(
		readonly dir: string,
		readonly pid: number,
		readonly startedAt: string
	) {
		super(`${dir} is locked by the process with pid ${pid} (running since ${startedAt || "an unknown time"})`);
		this.name = "DataDirLockedError";
	}
}

/** The directories this process holds: how many holds each, and the owner record it wrote. */
const held = new Map<string, { count: number; owner: LockOwner }>();
let exitHookInstalled = false;

const lockFile = (dir: string) => path.join(dir, LOCK_FILE);

function isAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch (err) {
		// EPERM: it exists, it is just not ours to signal.
		return (err as NodeJS.ErrnoException).code === "EPERM";
	}
}

function readOwner(file: string): LockOwner | null {
	try {
		const parsed = JSON.parse(fs.readFileSync(file, "utf8")) as Partial<LockOwner>;
		return Number.isInteger(parsed.pid) && (parsed.pid as number) > 0
			? { pid: parsed.pid as number, startedAt: String(parsed.startedAt ?? "") }
			: null;
	} catch (err) {
		if ((err as NodeJS.ErrnoException).code === "ENOENT") throw err;
		return null;
	}
}

/** Reads the owner, giving a writer that has just created the file a moment to fill it. */
function readOwnerPatiently(file: string): LockOwner | null {
	for (let attempt = 0; attempt < 20; attempt++) {
		const owner = readOwner(file);
		if (owner) return owner;
		Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
	}
	return null;
}

/** A lock left by a process that is gone: ours by pid but not in our table means an earlier life with the same pid (a restarted container). */
function isStale(owner: LockOwner | null): boolean {
	if (!owner) return true;
	if (owner.pid === process.pid) return true;
	return !isAlive(owner.pid);
}

function sameOwner(a: LockOwner | null, b: LockOwner | null): boolean {
	return !!a && !!b && a.pid === b.pid && a.startedAt === b.startedAt;
}

/**
 * Moves a stale lock out of the way. Renaming is atomic, so of several processes taking over at
 * once only one moves the stale file; one that finds it moved a fresh lock instead puts it back.
 */
function removeStale(file: string, stale: LockOwner | null): void {
	const aside = `${file}.stale-${process.pid}-${Date.now()}`;
	try {
		fs.renameSync(file, aside);
	} catch (err) {
		if ((err as NodeJS.ErrnoException).code === "ENOENT") return;
		throw err;
	}
	let moved: LockOwner | null = null;
	try {
		moved = readOwner(aside);
	} catch {
		/* vanished: nothing to put back */
	}
	if (moved && !sameOwner(moved, stale) && !isStale(moved)) {
		try {
			fs.linkSync(aside, file);
		} catch {
			/* someone locked again meanwhile: theirs stands */
		}
	}
	fs.rmSync(aside, { force: true });
}

function removeOwnFile(dir: string, owner: LockOwner): void {
	const file = lockFile(dir);
	try {
		// Only our own record: a lock taken over by someone else (it judged ours stale) is theirs now.
		if (sameOwner(readOwner(file), owner)) fs.rmSync(file, { force: true });
	} catch {
		/* already gone */
	}
}

function installExitHook(): void {
	if (exitHookInstalled) return;
	exitHookInstalled = true;
	process.once("exit", () => {
		for (const [dir, { owner }] of held) removeOwnFile(dir, owner);
		held.clear();
	});
}

function handle(dir: string): DataDirLock {
	let released = false;
	return {
		dir,
		release() {
			if (released) return;
			released = true;
			const entry = held.get(dir);
			if (!entry) return;
			if (--entry.count > 0) return;
			held.delete(dir);
			removeOwnFile(dir, entry.owner);
		}
	};
}

/**
 * Takes the directory (creating it if missing) for this process, or throws DataDirLockedError
 * naming the live process that holds it.
 */
export function acquireDataDirLock(dataDir: string): DataDirLock {
	fs.mkdirSync(dataDir, { recursive: true });
	const dir = fs.realpathSync(dataDir);
	const mine = held.get(dir);
	if (mine) {
		mine.count++;
		return handle(dir);
	}
	const file = lockFile(dir);
	const owner: LockOwner = { pid: process.pid, startedAt: new Date().toISOString() };
	for (let attempt = 0; attempt < 5; attempt++) {
		let fd: number;
		try {
			fd = fs.openSync(file, "wx");
		} catch (err) {
			if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
			let current: LockOwner | null;
			try {
				current = readOwnerPatiently(file);
			} catch {
				continue; // released between our create and our read: try again
			}
			if (!isStale(current)) throw new DataDirLockedError(dir, current!.pid, current!.startedAt);
			removeStale(file, current);
			continue;
		}
		try {
			fs.writeSync(fd, JSON.stringify(owner) + "\n");
		} finally {
			fs.closeSync(fd);
		}
		held.set(dir, { count: 1, owner });
		installExitHook();
		return handle(dir);
	}
	throw new Error(`Could not lock ${dir}: its lock file ${file} keeps changing`);
}
