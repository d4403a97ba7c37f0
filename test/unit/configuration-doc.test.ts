/**
 * docs/configuration.md cannot drift from the code: every environment variable the code reads is
 * found by reading the sources (lib/config.ts, each lib/<domain>/settings.ts, the services, the
 * runner, the seed and the benchmark) and must have its row in the page, and every row must name a
 * variable the code still reads.
 */
import fs from "node:fs";
import path from "node:path";
import { startEnv } from "../../bench/start-script";

const ROOT = path.join(__dirname, "..", "..");
const SOURCE_DIRS = ["lib", "services", "mixins", "scripts", "bench"];
const SOURCE_FILES = ["server.ts", "moleculer.config.ts"];
const DOC = path.join(ROOT, "docs", "configuration.md");

/** glibc's tunables end with an underscore (MALLOC_MMAP_THRESHOLD_). */
const NAME = "[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*_?";
/** `env.NAME` and `process.env.NAME`, `env["NAME"]`, and settings helpers called as `helper(env, "NAME", ...)`. */
const READS = [
	new RegExp(`\\benv\\.(${NAME})\\b`, "g"),
	new RegExp(`\\benv\\[\\s*["'\`](${NAME})["'\`]\\s*\\]`, "g"),
	new RegExp(`\\(\\s*env\\s*,\\s*["'](${NAME})["']`, "g")
];
/** In the settings files themselves, any quoted NAME_WITH_UNDERSCORE is a variable (however the helper is called). */
const SETTINGS_LITERAL = new RegExp(`["'](${NAME}_[A-Z0-9_]+)["']`, "g");

function envNamesIn(source: string, isSettingsFile: boolean): Set<string> {
	const names = new Set<string>();
	for (const re of isSettingsFile ? [...READS, SETTINGS_LITERAL] : READS) for (const m of source.matchAll(re)) names.add(m[1]);
	return names;
}

function sourceFiles(): string[] {
	const files = SOURCE_FILES.map(f => path.join(ROOT, f));
	const walk = (dir: string) => {
		for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
			const full = path.join(dir, entry.name);
			if (entry.isDirectory()) walk(full);
			else if (entry.name.endsWith(".ts")) files.push(full);
		}
	};
	for (const dir of SOURCE_DIRS) walk(path.join(ROOT, dir));
	return files;
}

function isSettingsFile(file: string): boolean {
	return /(^|[/\\])(config|[\w-]*settings)\.ts$/.test(file);
}

/**
 * Every variable the code reads, with the first file that reads it, and those `npm start` sets for
 * the runtime itself (glibc's malloc settings).
 */
function namesReadByCode(): Map<string, string> {
	const names = new Map<string, string>(Object.keys(startEnv(ROOT)).map(name => [name, "package.json (npm start)"]));
	for (const file of sourceFiles()) {
		for (const name of envNamesIn(fs.readFileSync(file, "utf8"), isSettingsFile(file))) {
			if (!names.has(name)) names.set(name, path.relative(ROOT, file));
		}
	}
	return names;
}

/** The variables the page documents: the backquoted name opening a table row. */
function documentedNames(markdown: string): Set<string> {
	return new Set([...markdown.matchAll(new RegExp(`^\\|\\s*\`(${NAME})\``, "gm"))].map(m => m[1]));
}

describe("docs/configuration.md", () => {
	it("recognizes every way the code reads a variable, and nothing else", () => {
		const source = [
			'const a = env.PORT ?? "3000";',
			"const b = process.env.BENCH_ONLY;",
			'const c = env["LOG_SHIP_LEVEL"];',
			'const d = positive(env, "REALTIME_PING_INTERVAL_MS", 30_000);',
			'throw new Error("VALIDATION_ERROR"); const e = env.lowercase;'
		].join("\n");
		expect([...envNamesIn(source, false)].sort()).toEqual(["BENCH_ONLY", "LOG_SHIP_LEVEL", "PORT", "REALTIME_PING_INTERVAL_MS"]);
		expect(envNamesIn('number(cfg, "NOTIFY_MAX_ATTEMPTS", 5)', true)).toEqual(new Set(["NOTIFY_MAX_ATTEMPTS"]));
		expect(envNamesIn('number(cfg, "NOTIFY_MAX_ATTEMPTS", 5)', false).size).toBe(0);
		expect(documentedNames("| `PORT` | `3000` | port |\n| `<SERVICE>_DB_URI` | none | x |\ntext `HOST`\n")).toEqual(new Set(["PORT"]));
		expect(documentedNames("| `MALLOC_MMAP_THRESHOLD_` | `1048576` | glibc |\n")).toEqual(new Set(["MALLOC_MMAP_THRESHOLD_"]));
	});

	it("finds the settings of lib/config.ts and of the domains' settings files", () => {
		const names = namesReadByCode();
		for (const known of [
			"PORT",
			"JWT_SECRET",
			"DATA_DIR",
			"ORDER_STUCK_AFTER_MS",
			"NOTIFY_MAX_ATTEMPTS",
			"AMQP_PREFETCH",
			"LOGS_MAX_ENTRIES",
			"MALLOC_MMAP_THRESHOLD_"
		]) {
			expect(names.has(known)).toBe(true);
		}
	});

	it("documents every variable the code reads", () => {
		const documented = documentedNames(fs.readFileSync(DOC, "utf8"));
		const missing = [...namesReadByCode()].filter(([name]) => !documented.has(name)).map(([name, file]) => `${name} (read in ${file})`);
		expect(missing).toEqual([]);
	});

	it("documents no variable the code no longer reads", () => {
		const read = namesReadByCode();
		const stale = [...documentedNames(fs.readFileSync(DOC, "utf8"))].filter(name => !read.has(name));
		expect(stale).toEqual([]);
	});
});
