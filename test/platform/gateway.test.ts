/**
 * The gateway's own contract, over real HTTP: one error body for every failure, request ids,
 * health, metrics, body limits, CORS, rate limits, and 503 for a route whose service is absent.
 */
import { randomUUID } from "node:crypto";
import { signAccessToken } from "../../lib/jwt";
import { client, type Client } from "../helpers/http";
import { startStack, type Stack } from "../helpers/stack";

function token(roles: string[]) {
	return signAccessToken({ sub: randomUUID(), roles, jti: randomUUID(), sid: randomUUID() }, 900, process.env.JWT_SECRET!);
}

function expectErrorBody(body: any, status: number, type?: string) {
	expect(body).toEqual({ error: expect.objectContaining({ type: expect.any(String), message: expect.any(String), code: status }) });
	if (type) expect(body.error.type).toBe(type);
	expect(JSON.stringify(body)).not.toMatch(/at .*\.(ts|js):\d+/);
}

describe("gateway (all-in-one)", () => {
	let stack: Stack;
	let api: Client;

	beforeAll(async () => {
		stack = await startStack({ env: { CORS_ORIGINS: "https://shop.example", RATE_LIMIT_MAX: "1000" } });
		api = client(stack.baseUrl);
	});
	afterAll(() => stack.stop());

	it("answers an unknown route with a 404 error body", async () => {
		for (const path of ["/api/v1/nope", "/api/v1/products/x/y/z", "/elsewhere"]) {
			const r = await api.get(path);
			expect(r.status).toBe(404);
			expectErrorBody(r.body, 404, "NOT_FOUND");
		}
	});

	it("answers malformed JSON with 400 and a body over 1 MB with 413", async () => {
		const admin = token(["admin"]);
		const bad = await api.post("/api/v1/products", undefined, { token: admin, raw: "{not json" });
		expect(bad.status).toBe(400);
		expectErrorBody(bad.body, 400, "INVALID_REQUEST_BODY");
		const big = await api.post("/api/v1/products", { name: "x".repeat(1024 * 1024 + 10) }, { token: admin });
		expect(big.status).toBe(413);
		expectErrorBody(big.body, 413, "PAYLOAD_TOO_LARGE");
	});

	it("refuses a malformed, forged or expired token with 401", async () => {
		const forged = signAccessToken({ sub: "u", roles: ["admin"], jti: "j", sid: "s" }, 900, "another-secret");
		const expired = signAccessToken({ sub: "u", roles: ["admin"], jti: "j", sid: "s" }, -10, process.env.JWT_SECRET!);
		for (const auth of ["Bearer nonsense", `Bearer ${forged}`, `Bearer ${expired}`, "Basic abc"]) {
			const r = await api.post("/api/v1/products", { name: "x" }, { headers: { authorization: auth } });
			expect(r.status).toBe(401);
			expectErrorBody(r.body, 401);
			expect(r.headers.get("www-authenticate")).toContain("Bearer");
		}
	});

	it("enforces roles declared on actions: 401 anonymous, 403 customer", async () => {
		const anon = await api.post("/api/v1/products", { name: "Lamp", price: 1 });
		expect(anon.status).toBe(401);
		const customer = await api.post("/api/v1/products", { name: "Lamp", price: 1 }, { token: token(["customer"]) });
		expect(customer.status).toBe(403);
		expectErrorBody(customer.body, 403, "FORBIDDEN");
	});

	it("names the failing fields in a 422", async () => {
		const r = await api.post("/api/v1/products", { name: 42, price: "free", bogus: true }, { token: token(["admin"]) });
		expect(r.status).toBe(422);
		expectErrorBody(r.body, 422, "VALIDATION_ERROR");
		const fields = r.body.error.data.map((d: { field: string }) => d.field);
		expect(fields).toEqual(expect.arrayContaining(["name", "price", "bogus"]));
		expect(r.body.error.message).toMatch(/name/);
	});

	it("answers a database failure with a bare 500 (store method replaced to simulate it)", async () => {
		const products = stack.broker.getLocalService("products") as unknown as { stores: Record<string, { find: unknown }> };
		const store = products.stores.products;
		const original = store.find;
		store.find = async () => {
			throw new Error("connection to /var/secret/db.sock lost");
		};
		try {
			const r = await api.get("/api/v1/products?q=zzz-uncached");
			expect(r.status).toBe(500);
			expect(r.body).toEqual({ error: { type: "INTERNAL_ERROR", message: "Internal server error", code: 500 } });
		} finally {
			store.find = original;
		}
	});

	it("echoes a sane X-Request-Id and makes one otherwise", async () => {
		const given = await api.get("/api/v1/health/live", { headers: { "x-request-id": "req-123.abc" } });
		expect(given.headers.get("x-request-id")).toBe("req-123.abc");
		const made = await api.get("/api/v1/health/live");
		expect(made.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
		const hostile = await api.get("/api/v1/health/live", { headers: { "x-request-id": "a b<script>" } });
		expect(hostile.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
		const onError = await api.get("/api/v1/nope", { headers: { "x-request-id": "err-1" } });
		expect(onError.headers.get("x-request-id")).toBe("err-1");
	});

	it("writes the request id into the log lines of that request", async () => {
		const lines: string[] = [];
		const spies = (["log", "info", "warn", "error"] as const).map(m =>
			jest.spyOn(console, m).mockImplementation((...args: unknown[]) => void lines.push(args.join(" ")))
		);
		const logger = stack.broker.getLogger("probe");
		const products = stack.broker.getLocalService("products") as unknown as { stores: Record<string, { find: unknown }> };
		const store = products.stores.products;
		const original = store.find;
		store.find = async () => {
			logger.error("store failure while listing");
			throw new Error("boom");
		};
		try {
			await api.get("/api/v1/products?q=logged", { headers: { "x-request-id": "trace-me-42" } });
		} finally {
			store.find = original;
			spies.forEach(s => s.mockRestore());
		}
		const traced = lines.filter(l => l.includes("trace-me-42"));
		expect(traced.some(l => l.includes("store failure while listing"))).toBe(true);
		expect(traced.some(l => /API/.test(l) && /failed/.test(l))).toBe(true);
	});

	it("serves liveness, readiness with database checks, cluster health and Prometheus metrics", async () => {
		expect((await api.get("/api/v1/health/live")).body).toEqual({ status: "ok" });
		const ready = await api.get("/api/v1/health/ready");
		expect(ready.status).toBe(200);
		expect(ready.body.services).toMatchObject({ api: "up", users: "up", products: "up" });
		const health = await api.get("/api/v1/health");
		expect(health.status).toBe(200);
		expect(health.body.nodes[0].services).toEqual(expect.arrayContaining(["api", "users", "products"]));
		const metrics = await api.get("/api/v1/metrics");
		expect(metrics.status).toBe(200);
		expect(metrics.headers.get("content-type")).toContain("text/plain");
		expect(metrics.body).toMatch(/^# (HELP|TYPE) moleculer_/m);
	});

	it("reports not ready when a service's database stops answering (ping replaced to simulate it)", async () => {
		const users = stack.broker.getLocalService("users") as unknown as { stores: Record<string, { ping: () => Promise<void> }> };
		const store = Object.values(users.stores)[0];
		const original = store.ping;
		store.ping = async () => {
			throw new Error("gone");
		};
		try {
			const r = await api.get("/api/v1/health/ready");
			expect(r.status).toBe(503);
			expect(r.body.services.users).toMatch(/database unreachable/);
		} finally {
			store.ping = original;
		}
	});

	it("allows CORS only for CORS_ORIGINS", async () => {
		const pre = await api.request("OPTIONS", "/api/v1/products", undefined, {
			headers: { origin: "https://shop.example", "access-control-request-method": "POST" }
		});
		expect(pre.status).toBeLessThan(300);
		expect(pre.headers.get("access-control-allow-origin")).toBe("https://shop.example");
		const other = await api.get("/api/v1/products", { headers: { origin: "https://evil.example" } });
		expect(other.headers.get("access-control-allow-origin")).toBeNull();
	});

	it("refuses a malformed Idempotency-Key naming the header", async () => {
		const r = await api.get("/api/v1/products", { headers: { "idempotency-key": "x".repeat(300) } });
		expect(r.status).toBe(422);
		expect(r.body.error.data[0].field).toBe("Idempotency-Key");
	});
});

describe("gateway with limits and missing services", () => {
	it("answers 429 with Retry-After past the rate limit", async () => {
		const stack = await startStack({ services: ["api", "products"], env: { RATE_LIMIT_MAX: "3", RATE_LIMIT_WINDOW_MS: "60000" } });
		try {
			const api = client(stack.baseUrl);
			const statuses: number[] = [];
			for (let i = 0; i < 5; i++) statuses.push((await api.get("/api/v1/products")).status);
			expect(statuses).toEqual([200, 200, 200, 429, 429]);
			const r = await api.get("/api/v1/products");
			expectErrorBody(r.body, 429, "TOO_MANY_REQUESTS");
			expect(Number(r.headers.get("retry-after"))).toBeGreaterThan(0);
		} finally {
			await stack.stop();
		}
	});

	it("answers 503 at once for a route whose service runs nowhere", async () => {
		const stack = await startStack({ services: ["api"] });
		try {
			const api = client(stack.baseUrl);
			const started = Date.now();
			const r = await api.get("/api/v1/products");
			expect(r.status).toBe(503);
			expectErrorBody(r.body, 503, "SERVICE_UNAVAILABLE");
			expect(Date.now() - started).toBeLessThan(1500);
			const health = await api.get("/api/v1/health");
			expect(health.status).toBe(503);
			expect(health.body.missingServices).toEqual(expect.arrayContaining(["users", "products"]));
		} finally {
			await stack.stop();
		}
	});
});
