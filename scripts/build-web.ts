/**
 * Builds the web apps: every `web/<app>/vite.config.ts` into `dist/web/<app>/` (hashed assets),
 * and prints each app's initial JavaScript (what index.html loads before anything else), gzipped.
 *
 *   node --import tsx scripts/build-web.ts                  # every app
 *   node --import tsx scripts/build-web.ts --if-stale       # only apps whose sources changed
 *   node --import tsx scripts/build-web.ts storefront       # one app
 *
 * `npm install` (postinstall) and `npm start` (prestart) run it with --if-stale: an app is rebuilt
 * when the hash of its sources, web/shared, the lockfile or this script differs from the one stamped
 * in its output. A production install (no Vite: `npm ci --omit=dev`) skips the build and says so;
 * the Dockerfile builds the apps in a stage of its own. Concurrent runs (test workers, several
 * `npm start`) take a lock, and each app's output is swapped in whole, never half-written.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";

const ROOT = path.resolve(__dirname, "..");
/** Where the gateway reads the apps (lib/gateway/web-apps.ts). This script imports nothing of the app: the Dockerfile runs it alone. */
const WEB_DIST_DIR = path.join(ROOT, "dist", "web");
const WEB = path.join(ROOT, "web");
const STAMP = ".build.json";
const LOCK = path.join(WEB_DIST_DIR, ".lock");
/** A lock older than this was left by a killed build. */
const STALE_LOCK_MS = 5 * 60_000;
/** Vite ships ES modules with types for "bundler" resolution only; the little used here is typed by hand. */
const VITE = "vite";
/** The budget for the storefront's initial JavaScript. */
const BUDGETS_KB: Record<string, number> = { storefront: 150 };

interface Stamp {
	hash: string;
	initialJs: { files: string[]; bytes: number; gzipBytes: number };
}

function appsInRepo(): string[] {
	if (!fs.existsSync(WEB)) return [];
	return fs
		.readdirSync(WEB, { withFileTypes: true })
		.filter(d => d.isDirectory() && fs.existsSync(path.join(WEB, d.name, "vite.config.ts")))
		.map(d => d.name)
		.sort();
}

function filesUnder(dir: string, out: string[] = []): string[] {
	if (!fs.existsSync(dir)) return out;
	for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
		if (entry.name === "node_modules") continue;
		const full = path.join(dir, entry.name);
		if (entry.isDirectory()) filesUnder(full, out);
		else out.push(full);
	}
	return out;
}

/** What an app's build depends on, hashed: its sources, the shared client, the lockfile, this script. */
function inputHash(app: string): string {
	const files = [
		...filesUnder(path.join(WEB, app)),
		...filesUnder(path.join(WEB, "shared")),
		path.join(WEB, "tsconfig.json"),
		path.join(ROOT, "package-lock.json"),
		__filename
	]
		.filter(f => fs.existsSync(f))
		.sort();
	const hash = createHash("sha1");
	for (const f of files) hash.update(path.relative(ROOT, f)).update("\0").update(fs.readFileSync(f)).update("\0");
	return hash.digest("hex");
}

function readStamp(app: string): Stamp | null {
	try {
		return JSON.parse(fs.readFileSync(path.join(WEB_DIST_DIR, app, STAMP), "utf8")) as Stamp;
	} catch {
		return null;
	}
}

/** The scripts and module preloads index.html starts with, their size raw and gzipped. */
function initialJs(dir: string): Stamp["initialJs"] {
	const html = fs.readFileSync(path.join(dir, "index.html"), "utf8");
	const urls = new Set<string>();
	for (const m of html.matchAll(/<script[^>]*\ssrc="([^"]+)"/g)) urls.add(m[1]);
	for (const m of html.matchAll(/<link[^>]*rel="modulepreload"[^>]*href="([^"]+)"/g)) urls.add(m[1]);
	let bytes = 0;
	let gzipBytes = 0;
	const files: string[] = [];
	for (const url of urls) {
		// "/assets/x.js" or "/<base>/assets/x.js": the file is under assets/ of the output either way.
		const at = url.indexOf("/assets/");
		const file = path.join(dir, at >= 0 ? url.slice(at + 1) : url.replace(/^\//, ""));
		if (!fs.existsSync(file)) continue;
		const body = fs.readFileSync(file);
		files.push(path.relative(dir, file));
		bytes += body.length;
		gzipBytes += zlib.gzipSync(body, { level: 9 }).length;
	}
	return { files, bytes, gzipBytes };
}

function sleep(ms: number) {
	return new Promise(r => setTimeout(r, ms));
}

async function withLock<T>(fn: () => Promise<T>): Promise<T> {
	fs.mkdirSync(WEB_DIST_DIR, { recursive: true });
	for (;;) {
		try {
			fs.mkdirSync(LOCK);
			break;
		} catch {
			const age = Date.now() - (fs.statSync(LOCK, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
			if (age > STALE_LOCK_MS) fs.rmSync(LOCK, { recursive: true, force: true });
			else await sleep(200);
		}
	}
	try {
		return await fn();
	} finally {
		fs.rmSync(LOCK, { recursive: true, force: true });
	}
}

async function buildApp(app: string, hash: string): Promise<Stamp> {
	// Always a production build: under jest (NODE_ENV=test) Vite and Preact's preset would otherwise
	// keep development code (preact/debug) in it.
	process.env.NODE_ENV = "production";
	const { build } = (await import(VITE)) as { build(config: Record<string, unknown>): Promise<unknown> };
	const tmp = path.join(WEB_DIST_DIR, `.tmp-${app}-${process.pid}`);
	await build({
		configFile: path.join(WEB, app, "vite.config.ts"),
		root: path.join(WEB, app),
		logLevel: "warn",
		build: { outDir: tmp, emptyOutDir: true }
	});
	const stamp: Stamp = { hash, initialJs: initialJs(tmp) };
	fs.writeFileSync(path.join(tmp, STAMP), JSON.stringify(stamp, null, "\t"));
	// Swap the whole folder: a gateway starting now reads the old build or the new one, not a mix.
	const target = path.join(WEB_DIST_DIR, app);
	const old = path.join(WEB_DIST_DIR, `.old-${app}-${process.pid}`);
	if (fs.existsSync(target)) fs.renameSync(target, old);
	fs.renameSync(tmp, target);
	fs.rmSync(old, { recursive: true, force: true });
	return stamp;
}

function report(app: string, stamp: Stamp, took: string) {
	const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
	const budget = BUDGETS_KB[app];
	const over = budget !== undefined && stamp.initialJs.gzipBytes > budget * 1024;
	const line =
		`web: ${app} ${took}: initial JavaScript ${kb(stamp.initialJs.gzipBytes)} gzip (${kb(stamp.initialJs.bytes)} raw)` +
		(budget !== undefined ? `, budget ${budget} KB${over ? " EXCEEDED" : ""}` : "");
	(over ? console.warn : console.log)(line);
}

async function main() {
	const args = process.argv.slice(2);
	const ifStale = args.includes("--if-stale");
	const wanted = args.filter(a => !a.startsWith("--"));
	const all = appsInRepo();
	const unknown = wanted.filter(a => !all.includes(a));
	if (unknown.length) throw new Error(`No web app named ${unknown.join(", ")} (have: ${all.join(", ") || "none"})`);
	const apps = wanted.length ? wanted : all;
	if (!apps.length) return console.log("web: no web/<app>/vite.config.ts here, nothing to build");
	if (!fs.existsSync(path.join(ROOT, "node_modules", "vite", "package.json"))) {
		const built = apps.filter(a => fs.existsSync(path.join(WEB_DIST_DIR, a, "index.html")));
		return console.log(
			`web: Vite is not installed (a production install), so the web apps are not built here` +
				(built.length ? `; serving the existing build of ${built.join(", ")}` : "; the gateway will say so at /")
		);
	}
	await withLock(async () => {
		for (const app of apps) {
			const hash = inputHash(app);
			const stamp = readStamp(app);
			if (ifStale && stamp?.hash === hash && fs.existsSync(path.join(WEB_DIST_DIR, app, "index.html"))) {
				report(app, stamp, "up to date");
				continue;
			}
			const started = Date.now();
			report(app, await buildApp(app, hash), `built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
		}
	});
}

main().catch(err => {
	console.error("web: build failed:", err instanceof Error ? err.message : err);
	process.exit(1);
});
