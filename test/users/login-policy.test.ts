/**
 * The login policy over HTTP through the real gateway: only failures count, per account and client
 * address (TRUST_PROXY=1, addresses given in X-Forwarded-For), with locks that grow.
 */
import { randomUUID } from "node:crypto";
import { client, type Client, type HttpResult } from "../helpers/http";
import { startStack, type Stack } from "../helpers/stack";

jest.setTimeout(60_000);

const ADMIN = { email: "root@policy.test", password: "Admin-pass-123" };
const PASSWORD = "Secret-pass-1";
const MAX_FAILURES = 3;
const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

function expectLocked(r: HttpResult, retryAfter?: number) {
	expect(r.status).toBe(429);
	const seconds = Number(r.headers.get("retry-after"));
	expect(seconds).toBeGreaterThan(0);
	expect(r.body).toEqual({
		error: { type: "TOO_MANY_REQUESTS", code: 429, message: `Too many failed login attempts, try again in ${seconds} seconds` }
	});
	if (retryAfter !== undefined) expect(seconds).toBe(retryAfter);
}

describe("login policy: per account and address, only failures count, growing locks", () => {
	let stack: Stack;
	let api: Client;
	const run = randomUUID().slice(0, 8);
	let n = 0;

	beforeAll(async () => {
		stack = await startStack({
			services: ["api", "users"],
			env: {
				TRUST_PROXY: "1",
				LOGIN_MAX_FAILURES: String(MAX_FAILURES),
				LOGIN_DELAY_MS: "1000",
				LOGIN_LOCK_MS: "60000",
				ADMIN_EMAIL: ADMIN.email,
				ADMIN_PASSWORD: ADMIN.password
			}
		});
		api = client(stack.baseUrl);
	});
	afterAll(() => stack?.stop());

	const login = (email: string, password: string, ip: string) =>
		api.post("/api/v1/auth/login", { email, password }, { headers: { "x-forwarded-for": ip } });

	async function register(): Promise<string> {
		const email = `policy-${++n}-${run}@example.com`;
		const r = await api.post("/api/v1/auth/register", { email, password: PASSWORD, name: "Policy" });
		expect(r.status).toBe(201);
		return email;
	}

	it("answers 200 to each of 10 parallel logins with the right password, from one address and from several", async () => {
		const email = await register();
		const same = await Promise.all(Array.from({ length: 10 }, () => login(email, PASSWORD, "203.0.113.10")));
		expect(same.map(r => r.status)).toEqual(Array(10).fill(200));
		const spread = await Promise.all(Array.from({ length: 10 }, (_, i) => login(email, PASSWORD, `203.0.113.${20 + i}`)));
		expect(spread.map(r => r.status)).toEqual(Array(10).fill(200));
	});

	it("a stranger's wrong passwords from address A lock only A: the admin still signs in from B", async () => {
		const stranger = "198.51.100.66";
		const guesses = await Promise.all(Array.from({ length: 10 }, () => login(ADMIN.email, "Wrong-pass-1", stranger)));
		expect(guesses.filter(r => r.status === 401)).toHaveLength(MAX_FAILURES);
		const locked = guesses.filter(r => r.status === 429);
		expect(locked).toHaveLength(10 - MAX_FAILURES);
		expectLocked(locked[0]);

		const owner = await login(ADMIN.email, ADMIN.password, "192.0.2.5");
		expect(owner.status).toBe(200);
		expect(owner.body.user.roles).toContain("admin");
		// The stranger's address stays locked for this account, even with the right password.
		expectLocked(await login(ADMIN.email, ADMIN.password, stranger));
	});

	it("locks longer at each further failure (1 s, then 2 s, then 4 s), and a success from the address resets it", async () => {
		const email = await register();
		const ip = "198.51.100.77";
		for (let i = 0; i < MAX_FAILURES; i++) expect((await login(email, "Wrong-pass-1", ip)).status).toBe(401);
		expectLocked(await login(email, PASSWORD, ip), 1);

		await sleep(1100);
		expect((await login(email, "Wrong-pass-1", ip)).status).toBe(401); // allowed again; this failure locks 2 s
		expectLocked(await login(email, PASSWORD, ip), 2);
		await sleep(1100);
		expectLocked(await login(email, PASSWORD, ip)); // the first lock's length is not enough any more

		await sleep(1000);
		expect((await login(email, "Wrong-pass-1", ip)).status).toBe(401);
		expectLocked(await login(email, PASSWORD, ip), 4);
		await sleep(4100);

		expect((await login(email, PASSWORD, ip)).status).toBe(200);
		for (let i = 0; i < MAX_FAILURES; i++) expect((await login(email, "Wrong-pass-1", ip)).status).toBe(401);
		expectLocked(await login(email, PASSWORD, ip), 1);
	});
});
