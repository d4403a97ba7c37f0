/**
 * What a checkout's `npm start` runs Node with, read from its package.json: the benchmark starts an
 * older release with that release's own flags, and the tests start the compiled server as `npm
 * start` does. No side effects on import (bench/processes.ts installs signal handlers).
 */
import fs from "node:fs";
import path from "node:path";

function startScript(root: string): string {
	const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as { scripts?: { start?: string } };
	return pkg.scripts?.start ?? "";
}

/** Node's arguments in `npm start` of the checkout at `root`, without the environment assignments before `node`. */
export function startArgs(root: string): string[] {
	const start = startScript(root);
	const words = start.split(/\s+/).filter(w => w && !/^[A-Z_]+=/.test(w));
	if (words[0] !== "node") throw new Error(`npm start of ${root} does not run node: ${start || "(no start script)"}`);
	return words.slice(1);
}

/** The environment `npm start` of the checkout at `root` sets before `node` (glibc's malloc settings). */
export function startEnv(root: string): Record<string, string> {
	const env: Record<string, string> = {};
	for (const word of startScript(root).split(/\s+/)) {
		const assignment = /^([A-Z_]+)=(.*)$/.exec(word);
		if (!assignment) break;
		env[assignment[1]!] = assignment[2]!;
	}
	return env;
}

/** Its Node flags alone: `--import tsx` is added per script where it is needed. */
export function startFlags(root: string): string[] {
	return startArgs(root).filter(w => w.startsWith("--") && w !== "--import");
}
