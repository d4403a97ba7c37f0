/**
 * What a checkout's `npm start` runs Node with, read from its package.json: the benchmark starts an
 * older release with that release's own flags, and the tests start the compiled server as `npm
 * start` does. No side effects on import (bench/processes.ts installs signal handlers).
 */
import fs from "node:fs";
import path from "node:path";

/** `npm start` of the checkout at `root`: the environment assignments before `node`, then Node's arguments. */
function parseStart(root: string): { env: Record<string, string>; args: string[] } {
	const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as { scripts?: { start?: string } };
	const start = pkg.scripts?.start ?? "";
	const words = start.split(/\s+/).filter(Boolean);
	const env: Record<string, string> = {};
	let assignment: RegExpExecArray | null;
	while (words.length && (assignment = /^([A-Z_]+)=(.*)$/.exec(words[0]!))) {
		env[assignment[1]!] = assignment[2]!;
		words.shift();
	}
	if (words[0] !== "node") throw new Error(`npm start of ${root} does not run node: ${start || "(no start script)"}`);
	return { env, args: words.slice(1) };
}

/** Node's arguments in `npm start` of the checkout at `root`, without the environment assignments before `node`. */
export function startArgs(root: string): string[] {
	return parseStart(root).args;
}

/** The environment `npm start` of the checkout at `root` sets before `node` (glibc's malloc settings). */
export function startEnv(root: string): Record<string, string> {
	return parseStart(root).env;
}

/** Its Node flags alone: `--import tsx` is added per script where it is needed. */
export function startFlags(root: string): string[] {
	return startArgs(root).filter(w => w.startsWith("--") && w !== "--import");
}
