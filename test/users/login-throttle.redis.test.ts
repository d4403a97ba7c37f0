/**
 * Login throttling with the Redis cacher (REDIS_URL), as on several nodes: the record of an
 * (account, address) lives in Redis and changes by compare-and-set, so parallel attempts on
 * several nodes are counted exactly.
 */
import { createHash, randomUUID } from "node:crypto";
import Redis from "ioredis";
import { LoginThrottle } from "../../lib/users/login-throttle";
import { RedisThrottleStore } from "../../lib/users/throttle-store";
import { client, type Client } from "../helpers/http";
import { describeWithServer } from "../helpers/servers";
import { startStack, type Stack } from "../helpers/stack";

jest.setTimeout(60_000);

interface RedisClient {
	pttl(key: string): Promise<number>;
	get(key: string): Promise<string | null>;
}

const recordKey = (email: string, address: string) =>
	`users:login-throttle:${createHash("sha256").update(`${email}\n${address}`).digest("hex")}`;

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
			env: {
				REDIS_URL: "redis://127.0.0.1:6379",
				NAMESPACE: `users-${run}`,
				TRUST_PROXY: "1",
				LOGIN_MAX_FAILURES: "3",
				LOGIN_DELAY_MS: "30000",
				LOGIN_LOCK_MS: "30000"
			}
		});
		api = client(stack.baseUrl);
	});
	afterAll(() => stack?.stop());

	const login = (email: string, password: string, ip: string) =>
		api.post("/api/v1/auth/login", { email, password }, { headers: { "x-forwarded-for": ip } });

	it("counts parallel failures of one address exactly in Redis, with a TTL, and leaves other addresses alone", async () => {
		const email = `redis-${run}@example.com`;
		const reg = await api.post("/api/v1/auth/register", { email, password: "Secret-pass-1", name: "Redis" });
		expect(reg.status).toBe(201);

		const results = await Promise.all(Array.from({ length: 10 }, () => login(email, "Wrong-pass-1", "203.0.113.1")));
		expect(results.filter(r => r.status === 401)).toHaveLength(3);
		const locked = results.filter(r => r.status === 429);
		expect(locked).toHaveLength(7);
		expect(Number(locked[0].headers.get("retry-after"))).toBeGreaterThan(0);
		expect(Number(locked[0].headers.get("retry-after"))).toBeLessThanOrEqual(30);

		const cacher = stack.broker.cacher as unknown as { client: RedisClient; prefix: string };
		const key = `${cacher.prefix}${recordKey(email, "203.0.113.1")}`;
		expect(JSON.parse((await cacher.client.get(key))!)).toMatchObject({ failures: 3, pending: {} });
		const ttl = await cacher.client.pttl(key);
		expect(ttl).toBeGreaterThan(30_000);
		expect(ttl).toBeLessThanOrEqual(60_000);
		expect((await login(email, "Secret-pass-1", "203.0.113.1")).status).toBe(429);

		// The owner elsewhere, ten times at once: all in, and no record is left for that address.
		const owner = await Promise.all(Array.from({ length: 10 }, () => login(email, "Secret-pass-1", "192.0.2.9")));
		expect(owner.map(r => r.status)).toEqual(Array(10).fill(200));
		expect(await cacher.client.get(`${cacher.prefix}${recordKey(email, "192.0.2.9")}`)).toBeNull();
	});

	it("two nodes (two Redis connections) sharing a record run no more wrong checks than the budget", async () => {
		const nodes = [new Redis("redis://127.0.0.1:6379"), new Redis("redis://127.0.0.1:6379")];
		try {
			const prefix = `throttle-test-${run}:`;
			const throttles = nodes.map(
				c => new LoginThrottle(new RedisThrottleStore(c, prefix), { maxFailures: 4, firstDelayMs: 30_000, lockMs: 30_000 })
			);
			let checks = 0;
			const guess = async () => {
				checks++;
				await new Promise(resolve => setTimeout(resolve, 20));
				return null;
			};
			const results = await Promise.allSettled(
				Array.from({ length: 12 }, (_, i) => throttles[i % 2].guard("two@x.io", "203.0.113.2", guess))
			);
			expect(checks).toBe(4);
			expect(results.filter(r => r.status === "rejected").map(r => (r as PromiseRejectedResult).reason.code)).toEqual(
				Array(8).fill(429)
			);
			await nodes[0].del(`${prefix}${recordKey("two@x.io", "203.0.113.2")}`);
		} finally {
			await Promise.all(nodes.map(c => c.quit()));
		}
	});
});
