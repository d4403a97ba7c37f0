/**
 * The gateway serves the built web apps: the storefront at /, client routes falling back to its
 * page for browser navigations only, hashed assets cached for a year and gzipped, the page
 * revalidated, the app's CSP on the app and the API's own headers untouched.
 */
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { buildWebApps } from "../helpers/browser";
import { client, type Client } from "../helpers/http";
import { startStack, type Stack } from "../helpers/stack";
import { API_CSP } from "../../lib/gateway/security-headers";
import { WEB_APP_CSP, WEB_DIST_DIR, WebApps } from "../../lib/gateway/web-apps";

jest.setTimeout(60_000);

const HTML = { accept: "text/html,application/xhtml+xml,*/*;q=0.8" };

describe("gateway serving the web apps (real build, real gateway)", () => {
	let stack: Stack;
	let api: Client;

	beforeAll(async () => {
		buildWebApps(["storefront"]);
		stack = await startStack({ services: ["api", "products"] });
		api = client(stack.baseUrl);
	});
	afterAll(() => stack?.stop());

	it("serves the storefront page at / with the app's CSP and no-cache", async () => {
		const r = await fetch(stack.baseUrl + "/");
		expect(r.status).toBe(200);
		expect(r.headers.get("content-type")).toBe("text/html; charset=utf-8");
		expect(r.headers.get("cache-control")).toBe("no-cache");
		expect(r.headers.get("content-security-policy")).toBe(WEB_APP_CSP);
		expect(r.headers.get("x-content-type-options")).toBe("nosniff");
		const html = await r.text();
		expect(html).toMatch(/<script type="module" crossorigin src="\/assets\/index-[\w-]+\.js"><\/script>/);
		const again = await fetch(stack.baseUrl + "/", { headers: { "if-none-match": r.headers.get("etag")! } });
		expect(again.status).toBe(304);
	});

	it("serves hashed assets immutable, gzipped when accepted, with their content type", async () => {
		const html = await (await fetch(stack.baseUrl + "/")).text();
		const src = /src="(\/assets\/[^"]+\.js)"/.exec(html)![1];
		const gz = await fetch(stack.baseUrl + src, { headers: { "accept-encoding": "gzip" } });
		expect(gz.status).toBe(200);
		expect(gz.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
		expect(gz.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
		expect(gz.headers.get("content-encoding")).toBe("gzip");
		expect(gz.headers.get("vary")).toBe("Accept-Encoding");
		const js = await gz.text();
		expect(js.length).toBeGreaterThan(1000);
		// A production build: none of Preact's development hooks (a build under NODE_ENV=test once had them).
		expect(js).not.toContain("__PREACT_DEVTOOLS__");
		const missing = await fetch(stack.baseUrl + "/assets/nope-123.js", { headers: HTML });
		expect(missing.status).toBe(404);
		// The one error body, as every 404 (found by test/fuzz: GET /API/V1/openapi.json as a navigation was plain text).
		for (const r of [missing, await fetch(stack.baseUrl + "/API/V1/openapi.json", { headers: HTML })]) {
			expect(r.headers.get("content-type")).toBe("application/json; charset=utf-8");
			expect(await r.json()).toEqual({ error: { type: "NOT_FOUND", message: "No such file", code: 404 } });
		}
	});

	it("answers a browser navigation to a client route with the page, anything else under /api with JSON", async () => {
		const route = await fetch(stack.baseUrl + "/products/abc?x=1", { headers: HTML });
		expect(route.status).toBe(200);
		expect(route.headers.get("content-type")).toBe("text/html; charset=utf-8");
		for (const path of ["/api/v1/nope", "/api/nope", "/docs/nope.js", "/metrics", "/health", "/ws"]) {
			const r = await fetch(stack.baseUrl + path, { headers: HTML });
			expect([path, r.headers.get("content-type")]).toEqual([path, "application/json; charset=utf-8"]);
			expect(r.headers.get("content-security-policy")).not.toBe(WEB_APP_CSP);
		}
		// A non-browser request for an unknown path keeps the API's JSON 404.
		const plain = await api.get("/elsewhere");
		expect(plain.status).toBe(404);
		expect(plain.body.error.type).toBe("NOT_FOUND");
	});

	it("leaves the API's answers and headers as they were", async () => {
		const r = await api.get("/api/v1/products");
		expect(r.status).toBe(200);
		expect(r.headers.get("content-security-policy")).toBe(API_CSP);
		expect(r.headers.get("content-type")).toBe("application/json; charset=utf-8");
		const post = await api.post("/", {});
		expect(post.status).toBe(404);
	});

	it("keeps the storefront's initial JavaScript within the 150 KB gzip budget (as the build measured it)", () => {
		const stamp = JSON.parse(fs.readFileSync(path.join(WEB_DIST_DIR, "storefront", ".build.json"), "utf8"));
		expect(stamp.initialJs.files.length).toBeGreaterThan(0);
		expect(stamp.initialJs.gzipBytes).toBeGreaterThan(1000);
		expect(stamp.initialJs.gzipBytes).toBeLessThanOrEqual(150 * 1024);
		// The build stamp itself is not served.
		return fetch(stack.baseUrl + "/.build.json").then(r => expect(r.status).toBe(404));
	});
});

describe("web apps that were not built", () => {
	it("answer / with a 503 page that says how to build them, and leave the rest to the API", async () => {
		const empty = fs.mkdtempSync(path.join(os.tmpdir(), "shop-no-web-"));
		const apps = new WebApps({ dev: false }, empty);
		const server = http.createServer((req, res) => {
			if (apps.serve(req, res, [])) return;
			res.statusCode = 418;
			res.end();
		});
		await new Promise<void>(r => server.listen(0, "127.0.0.1", r));
		const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
		try {
			const root = await fetch(base + "/");
			expect(root.status).toBe(503);
			expect(await root.text()).toContain("npm run build:web");
			expect((await fetch(base + "/api/v1/products")).status).toBe(418);
			expect((await fetch(base + "/elsewhere")).status).toBe(418);
		} finally {
			server.close();
			fs.rmSync(empty, { recursive: true, force: true });
		}
	});
});
