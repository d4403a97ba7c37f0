/**
 * Login throttling with the Redis cacher (REDIS_URL), as on several nodes: the count lives in Redis,
 * incremented atomically by the server, so parallel attempts are counted exactly.
 */
import { createHash, randomUUID } from "node:crypto";
import { client, type Client } from "../helpers/http";
import { describeWithServer } from "../helpers/servers";
import { startStack, type Stack } from "../helpers/stack";

interface RedisClient {
	pttl(key: string): Promise<number>;
	get(key: string): Promise<string | null>;
}

describeWithServer(
	"Redis",
	"127.0.0.1",
	6379
)("login throttling with the Redis cacher", () => {
	let stack: Stack;
	let api: Client;
	const run = randomUUID().slice(0, 8);

	beforeAll(async () => {
		stack = await startStack({
			services: ["api", "users"],
			env: { REDIS_URL: "redis://127.0.0.1:6379", NAMESPACE: `users-${run}`, LOGIN_MAX_FAILURES: "3", LOGIN_LOCK_MS: "30000" }
		});
		api = client(stack.baseUrl);
	});
	afterAll(() => stack?.stop());

	it("counts parallel failures exactly in Redis, with the lock's TTL, and answers 429 with Retry-After", async () => {
		const email = `redis-${run}@example.com`;
		const reg = await api.post("/api/v1/auth/register", { email, password: "Secret-pass-1", name: "Redis" });
		expect(reg.status).toBe(201);

		const results = await Promise.all(
			Array.from({ length: 10 }, () => api.post("/api/v1/auth/login", { email, password: "Wrong-pass-1" }))
		);
		expect(results.filter(r => r.status === 401)).toHaveLength(3);
		const locked = results.filter(r => r.status === 429);
		expect(locked).toHaveLength(7);
		expect(Number(locked[0].headers.get("retry-after"))).toBeGreaterThan(0);
		expect(Number(locked[0].headers.get("retry-after"))).toBeLessThanOrEqual(30);

		const cacher = stack.broker.cacher as unknown as { client: RedisClient; prefix: string };
		const key = `${cacher.prefix}users:login-attempts:${createHash("sha256").update(email).digest("hex")}`;
		expect(Number(await cacher.client.get(key))).toBe(10);
		const ttl = await cacher.client.pttl(key);
		expect(ttl).toBeGreaterThan(0);
		expect(ttl).toBeLessThanOrEqual(30_000);
		expect((await api.post("/api/v1/auth/login", { email, password: "Secret-pass-1" })).status).toBe(429);
	});
});
