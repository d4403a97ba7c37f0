/**
 * The web apps on the gateway: the storefront at `/`, every other app of web/ at `/<name>` (the
 * backoffice at `/admin`), from their builds in dist/web/<app> (scripts/build-web.ts), in every
 * topology (any node that runs the gateway serves them).
 *
 * - Hashed files under assets/ are immutable (cached a year); index.html is revalidated every time
 *   (no-cache + ETag), so a new build is picked up at the next navigation.
 * - A page navigation (Accept: text/html) to a path of an app with no file is one of its client
 *   routes: index.html (SPA fallback), unless it looks like a file (assets/, an extension). Any
 *   other request for a path with no file goes on to the API, which answers its JSON 404. The API
 *   (/api), its docs (/docs), the WebSocket (/ws), /metrics and /health are never an app's.
 * - Text files are gzipped once, when the app is loaded, for clients that accept it.
 * - Same security headers as the API but a CSP for an app: its own scripts, styles and images,
 *   requests to this origin only (the API and /ws); nothing from a CDN, no inline script.
 * - An app that was not built answers 503 with a page that says how to build it; the gateway starts anyway.
 * - WEB_DEV=true: the apps come from Vite's dev server instead (lib/gateway/web-dev.ts).
 */
import fs from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import path from "node:path";
import zlib from "node:zlib";
import { etagOf, matchesIfNoneMatch } from "./response-cache";
import type { FlatHeaders } from "./security-headers";
import { WebDevServers } from "./web-dev";

/** The checkout (or image) root: the nearest folder with a package.json, from lib/gateway/ or from its compiled copy in dist/server/lib/gateway/. */
function projectRoot(from: string): string {
	for (let dir = from; ; dir = path.dirname(dir)) {
		if (fs.existsSync(path.join(dir, "package.json"))) return dir;
		if (path.dirname(dir) === dir) return path.resolve(from, "..", "..");
	}
}

const ROOT = projectRoot(__dirname);
export const WEB_DIST_DIR = path.join(ROOT, "dist", "web");
const WEB_SOURCE_DIR = path.join(ROOT, "web");

/** The app served at `/`; every other app is served at `/<its folder name>`. */
export const ROOT_APP = "storefront";

export const WEB_APP_CSP =
	"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; " +
	"object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

/** First path segments that belong to the API and the server, never to an app's client routes. */
const RESERVED = new Set(["api", "docs", "ws", "metrics", "health"]);

const TYPES: Record<string, string> = {
	".html": "text/html; charset=utf-8",
	".js": "text/javascript; charset=utf-8",
	".mjs": "text/javascript; charset=utf-8",
	".css": "text/css; charset=utf-8",
	".json": "application/json; charset=utf-8",
	".webmanifest": "application/manifest+json; charset=utf-8",
	".map": "application/json; charset=utf-8",
	".svg": "image/svg+xml",
	".png": "image/png",
	".jpg": "image/jpeg",
	".jpeg": "image/jpeg",
	".webp": "image/webp",
	".ico": "image/x-icon",
	".woff2": "font/woff2",
	".txt": "text/plain; charset=utf-8"
};
const COMPRESSIBLE = new Set([".html", ".js", ".mjs", ".css", ".json", ".webmanifest", ".map", ".svg", ".txt"]);
/** Below this, gzip saves less than its headers cost. */
const GZIP_MIN_BYTES = 1024;

const IMMUTABLE = "public, max-age=31536000, immutable";
const REVALIDATE = "no-cache";
const SHORT = "public, max-age=3600";

interface WebFile {
	body: Buffer;
	gzip?: Buffer;
	type: string;
	etag: string;
	cacheControl: string;
}

interface Mount {
	app: string;
	/** "" for the root app, "/admin" for admin. */
	prefix: string;
}

function loadApp(dir: string): Map<string, WebFile> | null {
	if (!fs.existsSync(path.join(dir, "index.html"))) return null;
	const files = new Map<string, WebFile>();
	const walk = (sub: string) => {
		for (const entry of fs.readdirSync(path.join(dir, sub), { withFileTypes: true })) {
			// Dotfiles (the build stamp) are not served.
			if (entry.name.startsWith(".")) continue;
			const rel = sub ? `${sub}/${entry.name}` : entry.name;
			if (entry.isDirectory()) {
				walk(rel);
				continue;
			}
			const ext = path.extname(entry.name).toLowerCase();
			const body = fs.readFileSync(path.join(dir, rel));
			const gzip = COMPRESSIBLE.has(ext) && body.length >= GZIP_MIN_BYTES ? zlib.gzipSync(body, { level: 9 }) : undefined;
			files.set(rel, {
				body,
				gzip: gzip && gzip.length < body.length ? gzip : undefined,
				type: TYPES[ext] ?? "application/octet-stream",
				etag: etagOf(body),
				cacheControl: rel === "index.html" ? REVALIDATE : rel.startsWith("assets/") ? IMMUTABLE : SHORT
			});
		}
	};
	walk("");
	return files;
}

function appNames(): string[] {
	const names = new Set<string>([ROOT_APP]);
	for (const dir of [WEB_DIST_DIR, WEB_SOURCE_DIR]) {
		if (!fs.existsSync(dir)) continue;
		for (const d of fs.readdirSync(dir, { withFileTypes: true }))
			if (d.isDirectory() && !d.name.startsWith(".") && d.name !== "shared" && !RESERVED.has(d.name)) names.add(d.name);
	}
	return [...names];
}

/** The security headers given for the API, with the app's CSP instead of the API's (none in dev: Vite injects its client). */
function appHeaders(security: FlatHeaders, dev: boolean): FlatHeaders {
	const out: FlatHeaders = [];
	for (let i = 0; i < security.length; i += 2) {
		if (security[i] === "Content-Security-Policy") {
			if (!dev) out.push(security[i], WEB_APP_CSP);
		} else out.push(security[i], security[i + 1]);
	}
	return out;
}

function notBuiltPage(app: string): string {
	return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Not built</title></head>
<body><main><h1>The ${app} web app is not built</h1>
<p>Run <code>npm install</code> (which builds it) or <code>npm run build:web</code>, then restart the server.
The API is at <a href="/api/v1/health">/api/v1</a> and its documentation at <a href="/docs">/docs</a>.</p></main></body></html>
`;
}

export class WebApps {
	private readonly mounts: Mount[];
	private readonly loaded = new Map<string, Map<string, WebFile> | null>();
	private readonly devServers: WebDevServers | null;

	constructor(
		opts: { dev: boolean },
		private readonly distDir = WEB_DIST_DIR
	) {
		this.devServers = opts.dev ? new WebDevServers(WEB_SOURCE_DIR) : null;
		// Longest prefix first, so /admin is not taken for a storefront route.
		this.mounts = appNames()
			.map(app => ({ app, prefix: app === ROOT_APP ? "" : `/${app}` }))
			.sort((a, b) => b.prefix.length - a.prefix.length);
	}

	/** Answers a GET or HEAD for a web app and returns true; false leaves the request to the API. */
	serve(req: IncomingMessage, res: ServerResponse, security: FlatHeaders): boolean {
		if (req.method !== "GET" && req.method !== "HEAD") return false;
		const pathname = (req.url ?? "/").split("?")[0];
		if (RESERVED.has(pathname.split("/")[1] ?? "")) return false;
		let decoded: string;
		try {
			decoded = decodeURIComponent(pathname);
		} catch {
			return false;
		}
		if (decoded.includes("\0") || decoded.split("/").includes("..")) return false;
		const mount = this.mounts.find(m => m.prefix === "" || decoded === m.prefix || decoded.startsWith(`${m.prefix}/`));
		if (!mount) return false;
		const rel = decoded.slice(mount.prefix.length).replace(/^\/+/, "");
		const page = rel === "" || /\btext\/html\b/.test(String(req.headers.accept ?? ""));
		if (!page && !this.devServers && !this.files(mount.app)?.has(rel)) return false;
		const headers = appHeaders(security, !!this.devServers);
		for (let i = 0; i < headers.length; i += 2) res.setHeader(headers[i], headers[i + 1]);

		if (this.devServers) {
			this.devServers.handle(mount.app, `${mount.prefix}/`, req, res, () => this.notFound(res));
			return true;
		}
		const files = this.files(mount.app);
		if (!files) {
			res.statusCode = 503;
			res.setHeader("Cache-Control", "no-store");
			res.setHeader("Content-Type", "text/html; charset=utf-8");
			res.end(req.method === "HEAD" ? undefined : notBuiltPage(mount.app));
			return true;
		}
		let file = files.get(rel);
		if (!file) {
			// A client route (no extension, not under assets/) gets the app's page.
			if (rel.startsWith("assets/") || path.extname(rel)) return this.notFound(res);
			file = files.get("index.html")!;
		}
		this.send(req, res, file);
		return true;
	}

	private files(app: string): Map<string, WebFile> | null {
		if (!this.loaded.has(app)) this.loaded.set(app, loadApp(path.join(this.distDir, app)));
		return this.loaded.get(app)!;
	}

	async close(): Promise<void> {
		await this.devServers?.close();
	}

	private send(req: IncomingMessage, res: ServerResponse, file: WebFile) {
		res.setHeader("Cache-Control", file.cacheControl);
		res.setHeader("ETag", file.etag);
		if (file.gzip) res.setHeader("Vary", "Accept-Encoding");
		if (matchesIfNoneMatch(req.headers, file.etag)) {
			res.statusCode = 304;
			return res.end();
		}
		const gzip = file.gzip && /\bgzip\b/.test(String(req.headers["accept-encoding"] ?? ""));
		const body = gzip ? file.gzip! : file.body;
		res.statusCode = 200;
		res.setHeader("Content-Type", file.type);
		if (gzip) res.setHeader("Content-Encoding", "gzip");
		res.setHeader("Content-Length", body.length);
		res.end(req.method === "HEAD" ? undefined : body);
	}

	/** A file an app does not have: the one error body, as every other 404 (a plain-text one was found by test/fuzz). */
	private notFound(res: ServerResponse): true {
		res.statusCode = 404;
		res.setHeader("Cache-Control", "no-store");
		res.setHeader("Content-Type", "application/json; charset=utf-8");
		res.end(JSON.stringify({ error: { type: "NOT_FOUND", message: "No such file", code: 404 } }));
		return true;
	}
}
