/**
 * The gateway serves the built web apps: the storefront at /, client routes falling back to its
 * page for browser navigations only, hashed assets cached for a year and gzipped, the page
 * revalidated, the app's CSP on the app and the API's own headers untouched.
 */
import { buildWebApps } from "../helpers/browser";
import { client, type Client } from "../helpers/http";
import { startStack, type Stack } from "../helpers/stack";
import { API_CSP } from "../../lib/gateway/security-headers";
import { WEB_APP_CSP } from "../../lib/gateway/web-apps";

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
		expect((await gz.text()).length).toBeGreaterThan(1000);
		const missing = await fetch(stack.baseUrl + "/assets/nope-123.js", { headers: HTML });
		expect(missing.status).toBe(404);
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
});
