/** REFRESH_REUSE_GRACE_SECONDS=0, over HTTP on the embedded store: every spent token presented again is a replay. */
import { client, type Client } from "../helpers/http";
import { startStack, type Stack } from "../helpers/stack";

describe("refresh without a reuse grace", () => {
	let stack: Stack;
	let api: Client;
	let counter = 0;

	beforeAll(async () => {
		stack = await startStack({
			services: ["api", "users"],
			env: { DB_URI: undefined, USERS_DB_URI: undefined, REFRESH_REUSE_GRACE_SECONDS: "0" }
		});
		api = client(stack.baseUrl);
	});
	afterAll(() => stack?.stop());

	async function register(): Promise<{ accessToken: string; refreshToken: string }> {
		const r = await api.post("/api/v1/auth/register", {
			email: `no-grace-${++counter}-${Date.now()}@example.com`,
			password: "Secret-pass-1",
			name: "No Grace"
		});
		expect(r.status).toBe(201);
		return r.body;
	}

	it("revokes the family when a spent token is presented again, its successor unused", async () => {
		const s = await register();
		const rotated = await api.post("/api/v1/auth/refresh", { refreshToken: s.refreshToken });
		expect(rotated.status).toBe(200);
		expect((await api.post("/api/v1/auth/refresh", { refreshToken: s.refreshToken })).status).toBe(401);
		expect((await api.post("/api/v1/auth/refresh", { refreshToken: rotated.body.refreshToken })).status).toBe(401);
		expect((await api.get("/api/v1/users/me", { token: rotated.body.accessToken })).status).toBe(401);
	});

	it("revokes the family when one token is presented twice concurrently", async () => {
		const s = await register();
		const [a, b] = await Promise.all([
			api.post("/api/v1/auth/refresh", { refreshToken: s.refreshToken }),
			api.post("/api/v1/auth/refresh", { refreshToken: s.refreshToken })
		]);
		// The loser revokes the family; the winner either lost its new pair with it (401) or got it just before, and then that pair is dead too.
		expect([a.status, b.status]).toContain(401);
		for (const winner of [a, b].filter(r => r.status === 200)) {
			expect((await api.post("/api/v1/auth/refresh", { refreshToken: winner.body.refreshToken })).status).toBe(401);
			expect((await api.get("/api/v1/users/me", { token: winner.body.accessToken })).status).toBe(401);
		}
		expect((await api.get("/api/v1/users/me", { token: s.accessToken })).status).toBe(401);
	});
});
