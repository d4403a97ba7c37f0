/**
 * The gateway at production grade, over real HTTP: security headers, ETag/304 and the response
 * cache (fresh after every write, on this node and through the cache.clean broadcast), rate limits
 * per route group, per client IP (X-Forwarded-For only from a trusted proxy) and per user (shared
 * between gateways through Redis), the HTTP deadline, and the drain on shutdown.
 */
import { randomUUID } from "node:crypto";
import { signAccessToken } from "../../lib/jwt";
import { client, type Client } from "../helpers/http";
import { describeWithServer } from "../helpers/servers";
import { startStack, type Stack } from "../helpers/stack";

function token(roles: string[], sub = randomUUID()) {
	return signAccessToken({ sub, roles, jti: randomUUID(), sid: randomUUID() }, 900, process.env.JWT_SECRET!);
}

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

type StoreHost = { stores: Record<string, Record<string, (...args: unknown[]) => Promise<unknown>>> };

/** Makes the products store's `find` take `ms` longer (a slow database), until the returned function undoes it. */
function slowFind(stack: Stack, ms: number): () => void {
	const store = (stack.broker.getLocalService("products") as unknown as StoreHost).stores.products;
	const original = store.find;
	store.find = async (...args: unknown[]) => {
		await sleep(ms);
		return original.apply(store, args);
	};
	return () => {
		store.find = original;
	};
}

describe("gateway security headers, ETag and response cache", () => {
	let stack: Stack;
	let api: Client;
	const admin = token(["admin"]);

	beforeAll(async () => {
		stack = await startStack({
			services: ["api", "products", "users"],
			env: { RATE_LIMIT_MAX: "1000", RATE_LIMIT_LOGIN_MAX: "3", TRUST_PROXY: "1", HSTS_MAX_AGE: "600" }
		});
		api = client(stack.baseUrl);
	});
	afterAll(() => stack.stop());

	it("sends the security headers on every answer, a strict CSP for JSON and HSTS only over TLS", async () => {
		const created = await api.post("/api/v1/products", { name: "Headers", price: 1 }, { token: admin });
		for (const r of [
			await api.get("/api/v1/health/live"),
			await api.get("/api/v1/nope"),
			await api.post("/api/v1/products", {}, {}),
			created,
			await api.get(`/api/v1/products/${created.body.id}`),
			await api.get(`/api/v1/products/${created.body.id}`)
		]) {
			expect(r.headers.get("x-content-type-options")).toBe("nosniff");
			expect(r.headers.get("x-frame-options")).toBe("DENY");
			expect(r.headers.get("referrer-policy")).toBe("no-referrer");
			expect(r.headers.get("content-security-policy")).toContain("default-src 'none'");
			expect(r.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
			expect(r.headers.get("x-powered-by")).toBeNull();
			expect(r.headers.get("strict-transport-security")).toBeNull();
		}
		const viaTls = await api.get("/api/v1/health/live", { headers: { "x-forwarded-proto": "https" } });
		expect(viaTls.headers.get("strict-transport-security")).toBe("max-age=600");
		const docs = await api.get("/docs");
		expect(docs.headers.get("content-security-policy")).toContain("script-src 'self'");
		expect(docs.headers.get("content-security-policy")).not.toContain("unsafe-eval");
	});

	it("marks personal answers no-store and cacheable ones no-cache with an ETag", async () => {
		expect((await api.get("/api/v1/health")).headers.get("cache-control")).toBe("no-store");
		expect((await api.get("/api/v1/health")).headers.get("etag")).toBeNull();
		const list = await api.get("/api/v1/products?page=1");
		expect(list.headers.get("cache-control")).toBe("no-cache");
		expect(list.headers.get("etag")).toMatch(/^"[\w-]+"$/);
	});

	it("answers 304 to a matching If-None-Match, anonymous (response cache) and signed in (full pipeline) alike", async () => {
		// Not ASCII: the cached copy's Content-Length counts bytes, not characters.
		const created = await api.post("/api/v1/products", { name: "Étagère ☕", price: 5 }, { token: admin });
		const url = `/api/v1/products/${created.body.id}`;
		const first = await api.get(url);
		const etag = first.headers.get("etag")!;
		const cached = await api.get(url);
		expect(cached.headers.get("etag")).toBe(etag);
		expect(cached.body).toEqual(first.body);
		expect(cached.body.name).toBe("Étagère ☕");
		expect(cached.headers.get("content-length")).toBe(String(Buffer.byteLength(JSON.stringify(first.body))));
		expect(cached.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
		for (const headers of [{ "if-none-match": etag }, { "if-none-match": `W/${etag}, "other"` }]) {
			const anonymous = await api.get(url, { headers });
			expect(anonymous.status).toBe(304);
			expect(anonymous.body).toBeUndefined();
			const signedIn = await api.get(url, { headers, token: token(["customer"]) });
			expect(signedIn.status).toBe(304);
			expect(signedIn.headers.get("etag")).toBe(etag);
		}
		expect((await api.get(url, { headers: { "if-none-match": '"stale"' } })).status).toBe(200);
		const unversioned = await api.get(`/api/products/${created.body.id}`, { headers: { "if-none-match": etag } });
		expect(unversioned.status).toBe(304);
	});

	it("serves a product fresh after a write through HTTP and after one the gateway only hears of (cache.clean broadcast)", async () => {
		const created = await api.post("/api/v1/products", { name: "Fresh", price: 5 }, { token: admin });
		const url = `/api/v1/products/${created.body.id}`;
		const etag = (await api.get(url)).headers.get("etag")!;
		await api.get(url);
		await api.put(url, { price: 6 }, { token: admin });
		const afterHttp = await api.get(url, { headers: { "if-none-match": etag } });
		expect(afterHttp.status).toBe(200);
		expect(afterHttp.body.price).toBe(6);
		expect(afterHttp.headers.get("etag")).not.toBe(etag);
		// A write on another node reaches this one as the broadcast; here: a call not through HTTP.
		await stack.broker.call("products.update", { id: created.body.id, price: 7 });
		expect((await api.get(url)).body.price).toBe(7);
		expect((await api.get(`/api/v1/products?q=Fresh`)).body.items[0].price).toBe(7);
	});

	it("limits register/login/refresh per client IP more strictly than the rest, across both prefixes", async () => {
		const ip = { "x-forwarded-for": "203.0.113.7" };
		const statuses: number[] = [];
		for (const path of ["/api/v1/auth/login", "/api/users/login", "/api/v1/auth/login", "/api/v1/auth/login"])
			statuses.push((await api.post(path, { email: "nobody@example.com", password: "Wrong-pass-1" }, { headers: ip })).status);
		expect(statuses).toEqual([401, 401, 401, 429]);
		const limited = await api.post(
			"/api/v1/auth/register",
			{ email: "x@example.com", password: "Pass-word-12", name: "X" },
			{ headers: ip }
		);
		expect(limited.status).toBe(429);
		expect(limited.body.error.type).toBe("TOO_MANY_REQUESTS");
		const retryAfter = Number(limited.headers.get("retry-after"));
		expect(retryAfter).toBeGreaterThan(0);
		expect(retryAfter).toBeLessThanOrEqual(60);
		// The rest of the API, and another client, are not affected.
		expect((await api.get("/api/v1/products", { headers: ip })).status).toBe(200);
		const other = await api.post(
			"/api/v1/auth/login",
			{ email: "nobody@example.com", password: "Wrong-pass-1" },
			{ headers: { "x-forwarded-for": "203.0.113.8" } }
		);
		expect(other.status).toBe(401);
	});

	it("trusts only as many X-Forwarded-For entries as TRUST_PROXY proxies", async () => {
		// The client forged its first entry; the trusted proxy appended the real one, which is limited.
		const forged = (n: number) => ({ "x-forwarded-for": `198.51.100.${n}, 203.0.113.9` });
		const statuses: number[] = [];
		for (let n = 1; n <= 4; n++)
			statuses.push(
				(await api.post("/api/v1/auth/login", { email: "a@example.com", password: "Wrong-pass-1" }, { headers: forged(n) })).status
			);
		expect(statuses).toEqual([401, 401, 401, 429]);
	});
});

describe("gateway per-user rate limit", () => {
	it("limits a signed-in user across IPs, leaving other users and anonymous reads alone", async () => {
		const stack = await startStack({ services: ["api", "products"], env: { RATE_LIMIT_MAX: "1000", RATE_LIMIT_USER_MAX: "3" } });
		try {
			const api = client(stack.baseUrl);
			const alice = token(["customer"]);
			const statuses: number[] = [];
			for (let i = 0; i < 4; i++) statuses.push((await api.get("/api/v1/categories", { token: alice })).status);
			expect(statuses).toEqual([200, 200, 200, 429]);
			const limited = await api.get("/api/v1/products", { token: alice });
			expect(limited.body.error.type).toBe("TOO_MANY_REQUESTS");
			expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
			expect((await api.get("/api/v1/categories", { token: token(["customer"]) })).status).toBe(200);
			expect((await api.get("/api/v1/categories")).status).toBe(200);
		} finally {
			await stack.stop();
		}
	});
});

describeWithServer(
	"Redis",
	"127.0.0.1",
	6379
)("gateway rate limits in Redis", () => {
	it("holds one limit across two gateway nodes", async () => {
		const env = {
			REDIS_URL: "redis://127.0.0.1:6379",
			NAMESPACE: `rl-${process.pid}-${randomUUID().slice(0, 8)}`,
			RATE_LIMIT_MAX: "4",
			RATE_LIMIT_USER_MAX: "3"
		};
		const a = await startStack({ services: ["api"], env });
		const b = await startStack({ services: ["api"], env });
		try {
			const gateways = [client(a.baseUrl), client(b.baseUrl)];
			const statuses: number[] = [];
			for (let i = 0; i < 6; i++) statuses.push((await gateways[i % 2].get("/api/v1/health/live")).status);
			expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
			const r = await gateways[1].get("/api/v1/health/live");
			expect(Number(r.headers.get("retry-after"))).toBeGreaterThan(0);
			expect(Number(r.headers.get("retry-after"))).toBeLessThanOrEqual(60);
		} finally {
			// In reverse: each stack restores the environment it found.
			await b.stop();
			await a.stop();
		}
	});
});

describe("gateway deadline and drain", () => {
	it("answers 503 SERVICE_TIMEOUT when nothing answered within HTTP_TIMEOUT_MS", async () => {
		const stack = await startStack({ services: ["api", "products"], env: { HTTP_TIMEOUT_MS: "300", RATE_LIMIT_MAX: "1000" } });
		const undo = slowFind(stack, 1500);
		try {
			const started = Date.now();
			const r = await client(stack.baseUrl).get("/api/v1/products?q=slow");
			expect(r.status).toBe(503);
			expect(r.body.error.type).toBe("SERVICE_TIMEOUT");
			expect(Date.now() - started).toBeLessThan(1200);
		} finally {
			undo();
			await sleep(1300); // let the slow call finish before the store closes
			await stack.stop();
		}
	});

	it("on stop, refuses new connections but finishes the request in flight before the services stop", async () => {
		const stack = await startStack({ services: ["api", "products"], env: { RATE_LIMIT_MAX: "1000" } });
		const api = client(stack.baseUrl);
		await api.post("/api/v1/products", { name: "Draining", price: 3 }, { token: token(["admin"]) });
		slowFind(stack, 700);
		const inFlight = api.get("/api/v1/products?q=Draining");
		await sleep(150);
		let stopped = false;
		const stopping = stack.stop().then(() => (stopped = true));
		await sleep(100);
		// Not accepting any more: a new connection is refused while the slow request still runs.
		await expect(fetch(`${stack.baseUrl}/api/v1/health/live`)).rejects.toThrow();
		expect(stopped).toBe(false);
		const r = await inFlight;
		expect(r.status).toBe(200);
		expect(r.body.items.map((p: { name: string }) => p.name)).toEqual(["Draining"]);
		expect(r.headers.get("connection")).toBe("close");
		await stopping;
		expect(stopped).toBe(true);
	});
});
