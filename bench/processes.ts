/**
 * Child processes of the benchmarks: the shop and the bare node:http baseline each run in a Node
 * process of their own, started with the Node that runs the benchmark (the one on PATH under
 * `npm run`), so that neither shares an event loop or a core's time with the load generator.
 * Their CPU time and RSS are read from /proc (Linux); elsewhere those figures are null.
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { startFlags } from "./start-script";

/** The flags `npm start` of this checkout runs the shop with. */
export const NODE_FLAGS = startFlags(path.join(__dirname, ".."));
/** A TypeScript script (the bare baseline, an older checkout's server.ts) runs through tsx. */
const TS_FLAGS = ["--import", "tsx"];

/** Clock ticks per second of /proc/<pid>/stat's CPU times: 100 on every Linux this runs on. */
const CLOCK_TICKS = 100;

export interface NodeProcess {
	pid: number;
	/** Resolves with the exit code (or the signal's name) once the process has exited. */
	exited: Promise<number | string>;
	/** SIGTERM, then the time until the process exited (SIGKILL after killAfterMs). */
	stop(killAfterMs?: number): Promise<{ stopMs: number; exit: number | string }>;
	/** User + system CPU time of all its threads so far, in µs; null without /proc. */
	cpuUs(): number | null;
	/** Resident set size now, its peak and its parts, in bytes; null without /proc. */
	memory(): ProcMemory | null;
}

/** From /proc/<pid>/status: VmRSS, VmHWM (the peak since the process started), RssAnon, RssFile, RssShmem. */
export interface ProcMemory {
	rssBytes: number;
	peakRssBytes: number;
	anonBytes: number;
	fileBytes: number;
	shmemBytes: number;
}

const live = new Set<ChildProcess>();
// A benchmark that fails or is interrupted must not leave its servers running.
process.once("exit", () => live.forEach(c => c.kill("SIGKILL")));
for (const signal of ["SIGINT", "SIGTERM"] as const)
	process.once(signal, () => {
		live.forEach(c => c.kill("SIGKILL"));
		process.exit(130);
	});

/** A port free on loopback right now, for a child to listen on. */
export function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = net.createServer();
		server.once("error", reject);
		server.listen(0, "127.0.0.1", () => {
			const { port } = server.address() as net.AddressInfo;
			server.close(() => resolve(port));
		});
	});
}

export function spawnNode(
	script: string,
	env: Record<string, string | undefined>,
	cwd: string,
	extraFlags: string[] = [],
	nodeFlags: string[] = NODE_FLAGS
): NodeProcess {
	const flags = [...nodeFlags, ...(script.endsWith(".ts") ? TS_FLAGS : []), ...extraFlags];
	const child = spawn(process.execPath, [...flags, script], { cwd, env, stdio: ["ignore", "inherit", "inherit"] });
	live.add(child);
	const exited = new Promise<number | string>(resolve =>
		child.once("exit", (code, signal) => {
			live.delete(child);
			resolve(code ?? signal ?? "unknown");
		})
	);
	const pid = child.pid!;
	return {
		pid,
		exited,
		async stop(killAfterMs = 60_000) {
			const started = performance.now();
			if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
			const timer = setTimeout(() => child.kill("SIGKILL"), killAfterMs);
			const exit = await exited;
			clearTimeout(timer);
			return { stopMs: Math.round(performance.now() - started), exit };
		},
		cpuUs: () => procCpuUs(pid),
		memory: () => procMemory(pid)
	};
}

function readProc(pid: number, file: string): string | null {
	try {
		return fs.readFileSync(`/proc/${pid}/${file}`, "utf8");
	} catch {
		return null;
	}
}

export function procCpuUs(pid: number): number | null {
	const stat = readProc(pid, "stat");
	if (!stat) return null;
	// The fields after "pid (comm) ": state is the 3rd field of the line, utime the 14th, stime the 15th.
	const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
	return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLOCK_TICKS;
}

export function procMemory(pid: number): ProcMemory | null {
	const status = readProc(pid, "status");
	if (!status) return null;
	const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN) * 1024;
	return {
		rssBytes: kb("VmRSS"),
		peakRssBytes: kb("VmHWM"),
		anonBytes: kb("RssAnon"),
		fileBytes: kb("RssFile"),
		shmemBytes: kb("RssShmem")
	};
}

/**
 * Polls url until it answers 200; resolves with the milliseconds since `since`. Fails when the
 * process exits first or timeoutMs passes.
 */
export async function waitFor200(url: string, proc: NodeProcess, since: number, timeoutMs: number): Promise<number> {
	let exit: number | string | undefined;
	void proc.exited.then(e => (exit = e));
	for (;;) {
		const status = await fetch(url, { signal: AbortSignal.timeout(2000) }).then(
			async r => (await r.arrayBuffer(), r.status),
			() => 0
		);
		if (status === 200) return Math.round(performance.now() - since);
		if (exit !== undefined) throw new Error(`process ${proc.pid} exited (${exit}) before ${url} answered 200`);
		if (performance.now() - since > timeoutMs) throw new Error(`${url} did not answer 200 within ${timeoutMs / 1000} s`);
		await new Promise(r => setTimeout(r, 25));
	}
}

/** Disk usage of a directory tree in bytes, as du counts it (allocated blocks). */
export function diskUsageBytes(dir: string): number {
	let total = 0;
	for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
		if (entry.isDirectory() || entry.isFile())
			total += fs.statSync(`${entry.parentPath}/${entry.name}`, { throwIfNoEntry: false })?.blocks ?? 0;
	}
	return total * 512;
}
