/**
 * Reads a V8 .cpuprofile (node --cpu-prof) and prints where the time went: self time summed per
 * function and per package or project file, largest first.
 *
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/http.ts
 *   node --import tsx bench/cpuprofile-summary.ts /tmp/prof/<file>.cpuprofile [top=40]
 */
import fs from "node:fs";

interface ProfileNode {
	id: number;
	callFrame: { functionName: string; url: string; lineNumber: number };
	hitCount?: number;
	children?: number[];
}

interface Profile {
	nodes: ProfileNode[];
	startTime: number;
	endTime: number;
	samples: number[];
	timeDeltas: number[];
}

/** node_modules/<pkg> (scoped too), a project file, or the V8/node category. */
function owner(url: string, fn: string): string {
	if (!url) return fn.startsWith("(") ? fn : "(native)";
	const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
	if (m) return m[1];
	if (url.startsWith("node:")) return url;
	const project = url.replace(/^file:\/\//, "").replace(process.cwd() + "/", "");
	return project;
}

export function summarize(profile: Profile, top = 40): void {
	const selfUs = new Map<number, number>();
	for (let i = 0; i < profile.samples.length; i++)
		selfUs.set(profile.samples[i], (selfUs.get(profile.samples[i]) ?? 0) + (profile.timeDeltas[i] ?? 0));
	const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
	const byFunction = new Map<string, number>();
	const byOwner = new Map<string, number>();
	for (const node of profile.nodes) {
		const us = selfUs.get(node.id) ?? 0;
		if (!us) continue;
		const { functionName, url, lineNumber } = node.callFrame;
		const where = owner(url, functionName);
		const key = `${functionName || "(anonymous)"}  ${where}${url ? `:${lineNumber + 1}` : ""}`;
		byFunction.set(key, (byFunction.get(key) ?? 0) + us);
		byOwner.set(where, (byOwner.get(where) ?? 0) + us);
	}
	const print = (title: string, map: Map<string, number>) => {
		console.log(`\n${title}`);
		for (const [key, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top))
			console.log(`${((us / total) * 100).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(7)} ms  ${key}`);
	};
	console.log(`total sampled: ${(total / 1000).toFixed(0)} ms`);
	print("self time by package / file", byOwner);
	print("self time by function", byFunction);
}

if (require.main === module) {
	const [file, top] = process.argv.slice(2);
	if (!file) {
		console.error("usage: cpuprofile-summary.ts <file.cpuprofile> [top]");
		process.exit(2);
	}
	summarize(JSON.parse(fs.readFileSync(file, "utf8")) as Profile, Number(top ?? 40));
}
