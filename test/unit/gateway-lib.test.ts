/** The gateway's building blocks in isolation: rule conversion, rate-limit stores, caches. */
import type { IncomingMessage } from "node:http";
import { randomUUID } from "node:crypto";
import { objectSchema, ruleToSchema, toOpenApiPath } from "../../lib/gateway/openapi";
import { MemoryRateLimitStore, RedisRateLimitStore, clientIp, retryAfterSeconds } from "../../lib/gateway/rate-limit";
import { ResponseCache, etagOf, matchesIfNoneMatch } from "../../lib/gateway/response-cache";
import { VerifiedTokenCache } from "../../lib/gateway/token-cache";
import { describeWithServer } from "../helpers/servers";

describe("fastest-validator rules as JSON Schema", () => {
	it("converts the rule types the services use", () => {
		expect(ruleToSchema({ type: "string", empty: false, max: 64, trim: true })).toEqual({
			type: "string",
			minLength: 1,
			maxLength: 64
		});
		expect(ruleToSchema({ type: "string", pattern: /^[A-Z]{3}$/ })).toEqual({ type: "string", pattern: "^[A-Z]{3}$" });
		expect(ruleToSchema({ type: "number", integer: true, min: 1, convert: true, default: 1 })).toEqual({
			type: "integer",
			minimum: 1,
			default: 1
		});
		expect(ruleToSchema({ type: "number", positive: true, notEqual: 0 })).toEqual({
			type: "number",
			exclusiveMinimum: 0,
			not: { const: 0 }
		});
		expect(ruleToSchema({ type: "enum", values: ["a", "b"] })).toEqual({ enum: ["a", "b"] });
		expect(ruleToSchema({ type: "email", max: 254 })).toEqual({ type: "string", format: "email", maxLength: 254 });
		expect(ruleToSchema({ type: "string", nullable: true, optional: true })).toEqual({ type: ["string", "null"] });
		expect(ruleToSchema({ type: "array", min: 1, items: { type: "object", props: { q: { type: "number" } } } })).toEqual({
			type: "array",
			minItems: 1,
			items: { type: "object", properties: { q: { type: "number" } }, required: ["q"], additionalProperties: false }
		});
		expect(ruleToSchema("string|optional|max:5")).toEqual({ type: "string", maxLength: 5 });
		expect(ruleToSchema([{ type: "string" }, { type: "number" }])).toEqual({ anyOf: [{ type: "string" }, { type: "number" }] });
		expect(ruleToSchema({ type: "any" })).toEqual({});
	});

	it("makes closed objects with required fields, skipping validator options", () => {
		expect(
			objectSchema({
				$$strict: true,
				a: { type: "string" },
				b: { type: "number", optional: true },
				c: { type: "boolean", default: false }
			})
		).toEqual({
			type: "object",
			properties: { a: { type: "string" }, b: { type: "number" }, c: { type: "boolean", default: false } },
			required: ["a"],
			additionalProperties: false
		});
	});

	it("turns :params into {params}", () => {
		expect(toOpenApiPath("/orders/user/:userId")).toEqual({ path: "/orders/user/{userId}", params: ["userId"] });
	});
});

describe("rate-limit stores and client addresses", () => {
	it("counts per key in fixed windows and knows when each ends", async () => {
		const store = new MemoryRateLimitStore(1000);
		expect([store.inc("a"), store.inc("a"), store.inc("b")]).toEqual([1, 2, 1]);
		const at = store.resetAt("a");
		expect(at).toBeGreaterThan(Date.now());
		expect(retryAfterSeconds(store, "a", 60_000)).toBe(1);
		store.prune(at + 1);
		expect(store.inc("a")).toBe(1);
		await store.close();
	});

	it("takes X-Forwarded-For only as far as the trusted proxies reach", () => {
		const req = (xff?: string) =>
			({ socket: { remoteAddress: "10.0.0.1" }, headers: xff ? { "x-forwarded-for": xff } : {} }) as unknown as IncomingMessage;
		expect(clientIp(req("1.1.1.1, 2.2.2.2"), 0)).toBe("10.0.0.1");
		expect(clientIp(req("1.1.1.1, 2.2.2.2"), 1)).toBe("2.2.2.2");
		expect(clientIp(req("1.1.1.1, 2.2.2.2"), 2)).toBe("1.1.1.1");
		expect(clientIp(req("2.2.2.2"), 3)).toBe("2.2.2.2");
		expect(clientIp(req(), 1)).toBe("10.0.0.1");
	});
});

describeWithServer(
	"Redis",
	"127.0.0.1",
	6379
)("Redis rate-limit store", () => {
	it("counts atomically across concurrent calls and expires the window", async () => {
		const prefix = `unit-rl-${randomUUID()}`;
		const a = new RedisRateLimitStore(300, { redisUrl: "redis://127.0.0.1:6379", prefix });
		const b = new RedisRateLimitStore(300, { redisUrl: "redis://127.0.0.1:6379", prefix });
		await Promise.all([a.ready(2000), b.ready(2000)]);
		try {
			const counts = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).inc("k")));
			expect([...counts].sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
			expect(a.resetAt("k") - Date.now()).toBeLessThanOrEqual(300);
			await new Promise(r => setTimeout(r, 350));
			expect(await a.inc("k")).toBe(1);
		} finally {
			await a.close();
			await b.close();
		}
	});

	it("lets requests through (count 0) while Redis does not answer", async () => {
		const store = new RedisRateLimitStore(1000, { redisUrl: "redis://127.0.0.1:1", prefix: "unreachable" });
		try {
			expect(await store.inc("k")).toBe(0);
		} finally {
			await store.close();
		}
	});
});

describe("response cache, ETags and verified tokens", () => {
	it("does not store a response computed across a clean, and cleans per service", () => {
		const cache = new ResponseCache(1000);
		const entry = (service: string) => ({
			body: Buffer.from("{}"),
			etag: etagOf("{}"),
			contentType: "application/json",
			service,
			action: `${service}.get`
		});
		const gen = cache.generation("products");
		cache.invalidate("products");
		expect(cache.set("/a", entry("products"), gen)).toBe(false);
		expect(cache.set("/a", entry("products"), cache.generation("products"))).toBe(true);
		expect(cache.set("/b", entry("users"), cache.generation("users"))).toBe(true);
		cache.invalidate("products");
		expect(cache.get("/a")).toBeUndefined();
		expect(cache.get("/b")).toBeDefined();
		expect(cache.get("/b", Date.now() + 2000)).toBeUndefined();
	});

	it("matches If-None-Match weakly, in lists and with *", () => {
		const etag = etagOf("x");
		expect(matchesIfNoneMatch({ "if-none-match": etag }, etag)).toBe(true);
		expect(matchesIfNoneMatch({ "if-none-match": `"a", W/${etag}` }, etag)).toBe(true);
		expect(matchesIfNoneMatch({ "if-none-match": "*" }, etag)).toBe(true);
		expect(matchesIfNoneMatch({ "if-none-match": '"a"' }, etag)).toBe(false);
		expect(matchesIfNoneMatch({}, etag)).toBe(false);
	});

	it("keeps verified claims no longer than the token lives", () => {
		const cache = new VerifiedTokenCache(30_000, 10);
		const now = Date.now();
		const claims = { sub: "u", roles: [], jti: "j", sid: "s", exp: Math.floor(now / 1000) + 5 };
		cache.set("t", claims, now);
		expect(cache.get("t", now + 1000)).toBe(claims);
		expect(cache.get("t", now + 6000)).toBeUndefined();
		for (let i = 0; i < 25; i++) cache.set(`t${i}`, { ...claims, exp: claims.exp + 100 }, now);
		expect(cache.size).toBeLessThanOrEqual(10);
	});
});
