/**
 * The Node flags the shop runs with are set in three places: `npm start` (package.json), the
 * Dockerfile's CMD and, read from package.json, the benchmark's shop (bench/processes.ts). A flag
 * in one and not the others would make the image, or the benchmark, run a different shop.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { startEnv, startFlags } from "../../bench/start-script";

const ROOT = path.join(__dirname, "..", "..");

/** The values the Dockerfile's ENV instruction gives the named variables. */
function dockerfileEnv(names: string[]): Record<string, string> {
	const text = fs.readFileSync(path.join(ROOT, "Dockerfile"), "utf8");
	return Object.fromEntries(
		names.flatMap(name => [...text.matchAll(new RegExp(`^\\s*(?:ENV\\s+)?${name}=(\\S+?)\\s*\\\\?$`, "gm"))].map(m => [name, m[1]!]))
	);
}

function dockerfileFlags(): string[] {
	const cmd = fs
		.readFileSync(path.join(ROOT, "Dockerfile"), "utf8")
		.split("\n")
		.find(line => line.startsWith("CMD ["));
	if (!cmd) throw new Error("Dockerfile has no CMD in exec form");
	return (JSON.parse(cmd.slice("CMD ".length)) as string[]).filter(word => word.startsWith("--"));
}

describe("Node flags", () => {
	it("are the same in npm start and in the Dockerfile's CMD", () => {
		const flags = startFlags(ROOT);
		expect(flags).toContain("--no-track-field-types");
		// The bound on RSS under load rests on these two (docs/performance.md, eighth session).
		expect(flags).toContain("--max-semi-space-size=32");
		expect(flags).toContain("--heap-growing-percent=50");
		expect(dockerfileFlags()).toEqual(flags);
	});

	it("come with the same malloc settings in npm start and in the Dockerfile's ENV", () => {
		const env = startEnv(ROOT);
		expect(env).toEqual({ MALLOC_ARENA_MAX: "2", MALLOC_MMAP_THRESHOLD_: "1048576" });
		expect(dockerfileEnv(Object.keys(env))).toEqual(env);
	});

	it("are read from a checkout's start script without its --import and the script", () => {
		const dir = fs.mkdtempSync(path.join(os.tmpdir(), "flags-"));
		try {
			const start = "MALLOC_ARENA_MAX=2 node --experimental-async-context-frame --max-semi-space-size=64 --import tsx server.ts";
			fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ scripts: { start } }));
			expect(startFlags(dir)).toEqual(["--experimental-async-context-frame", "--max-semi-space-size=64"]);
			expect(startEnv(dir)).toEqual({ MALLOC_ARENA_MAX: "2" });
			fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ scripts: { start: "tsx server.ts" } }));
			expect(() => startFlags(dir)).toThrow(`npm start of ${dir} does not run node: tsx server.ts`);
		} finally {
			fs.rmSync(dir, { recursive: true, force: true });
		}
	});
});
