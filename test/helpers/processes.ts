/** Starts real node processes (`server.ts` through tsx, or the compiled server as `npm start` runs it), as an operator would, and stops them. */
import { spawn, type ChildProcess } from "node:child_process";
import net from "node:net";
import path from "node:path";
import { startArgs } from "../../bench/start-script";

const ROOT = path.resolve(__dirname, "../..");
// Node itself with tsx as a loader (not the tsx CLI, which forks a child that a SIGKILL would orphan).
const NODE = path.join(ROOT, "node_modules/.bin/node");

export interface NodeProcess {
	name: string;
	child: ChildProcess;
	output: () => string;
	exited: Promise<number | null>;
	stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Node's arguments in `npm start` (package.json), without the environment assignments before `node`. */
export const npmStartArgs = (): string[] => startArgs(ROOT);

/** A node from the sources (through tsx, as the tests and `npm run dev` run them), or with the given Node arguments. */
export function startNode(name: string, env: Record<string, string>, args = ["--import", "tsx", "server.ts"]): NodeProcess {
	const child = spawn(NODE, args, {
		cwd: ROOT,
		env: { ...process.env, NODE_ENV: "test", LOG_LEVEL: "warn", ...env },
		stdio: ["ignore", "pipe", "pipe"]
	});
	let out = "";
	child.stdout!.on("data", d => (out += d));
	child.stderr!.on("data", d => (out += d));
	const exited = new Promise<number | null>(resolve => child.once("exit", code => resolve(code)));
	return {
		name,
		child,
		output: () => out,
		exited,
		async stop(signal: NodeJS.Signals = "SIGTERM") {
			if (child.exitCode === null && child.signalCode === null) child.kill(signal);
			return exited;
		}
	};
}

export function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const srv = net.createServer();
		srv.listen(0, "127.0.0.1", () => {
			const port = (srv.address() as net.AddressInfo).port;
			srv.close(() => resolve(port));
		});
		srv.once("error", reject);
	});
}

/** Polls `check` until it returns a truthy value or the time runs out. */
export async function waitFor<T>(
	what: string,
	check: () => Promise<T | undefined | null | false>,
	timeoutMs = 30_000,
	everyMs = 200
): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	let lastError: unknown;
	while (Date.now() < deadline) {
		try {
			const v = await check();
			if (v) return v;
		} catch (err) {
			lastError = err;
		}
		await new Promise(r => setTimeout(r, everyMs));
	}
	throw new Error(`Timed out waiting for ${what}${lastError ? `: ${(lastError as Error).message}` : ""}`);
}
