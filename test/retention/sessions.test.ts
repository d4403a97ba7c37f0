/**
 * Retention of ended sessions on a real broker with the real users service and gateway, on the
 * embedded store and on PostgreSQL (skipped on a laptop without the server, a failure under
 * CI=true): refresh
 * tokens expired or revoked more than RETENTION_SESSION_DAYS ago go, live and spent-but-unexpired
 * ones stay (a spent token presented again must still revoke its family), never sooner than an
 * access token lives; and the periodic sweep runs by itself.
 */
import { randomUUID } from "node:crypto";
import type { Store } from "../../lib/store";
import type { RefreshTokenDoc } from "../../lib/users/collections";
import { client, type Client } from "../helpers/http";
import { createTestDatabase, PG_HOST, PG_PORT } from "../helpers/postgres";
import { describeWithServer } from "../helpers/servers";
import { startStack, type Stack } from "../helpers/stack";
import { eventually } from "../orders/support";

jest.setTimeout(30_000);

const DAY = 86_400_000;
const ago = (ms: number) => new Date(Date.now() - ms).toISOString();
const daysAgo = (days: number) => ago(days * DAY);

type Tokens = Store<RefreshTokenDoc>;
const tokensOf = (stack: Stack): Tokens =>
	(stack.broker.getLocalService("users") as unknown as { store(n: string): Tokens }).store("refresh_tokens");

/** A refresh token of its own family, as the users service stores one. */
function seed(tokens: Tokens, tag: string, status: RefreshTokenDoc["status"], expiresAt: string, revokedAt?: string) {
	return tokens.insert({
		tokenHash: `${tag}-${randomUUID()}`,
		userId: "user-retention",
		familyId: tag,
		status,
		expiresAt,
		createdAt: daysAgo(30),
		...(status === "used" ? { usedAt: daysAgo(29) } : {}),
		...(revokedAt ? { revokedAt } : {})
	});
}

const families = async (tokens: Tokens) => (await tokens.find()).map(t => t.familyId).sort();

interface Target {
	env: Record<string, string>;
	cleanup(): Promise<void>;
}

function sweptOnDemand(open: () => Promise<Target>) {
	let target: Target;
	let stack: Stack;
	let api: Client;
	let tokens: Tokens;
	const sweep = () => stack.broker.call("users.sweepRetention") as Promise<Record<string, number>>;

	beforeAll(async () => {
		target = await open();
		stack = await startStack({
			services: ["api", "users"],
			env: {
				...target.env,
				RETENTION_SWEEP_MS: "0",
				RETENTION_SESSION_DAYS: "7",
				RETENTION_BATCH_SIZE: "2",
				// The inbox's rule (handled event ids) is not what this suite is about.
				RETENTION_HANDLED_EVENTS_DAYS: "0",
				JWT_ACCESS_TTL: "15m",
				LOG_SHIP_LEVEL: "off"
			}
		});
		api = client(stack.baseUrl);
		tokens = tokensOf(stack);
	});
	afterAll(async () => {
		await stack?.stop();
		await target?.cleanup();
	});
	beforeEach(() => tokens.removeMany({}));

	it("removes tokens that ended more than the retention ago, and keeps live ones usable", async () => {
		const email = `retention-${randomUUID()}@example.com`;
		const reg = await api.post("/api/v1/auth/register", { email, password: "Secret-pass-1", name: "Ret" });
		expect(reg.status).toBe(201);
		// The registration's token is spent by this refresh: a used token that has not expired.
		const refreshed = await api.post("/api/v1/auth/refresh", { refreshToken: reg.body.refreshToken });
		expect(refreshed.status).toBe(200);
		const live = (await tokens.find()).map(t => t.familyId);
		expect(live).toHaveLength(2);

		await seed(tokens, "active-expired-8d", "active", daysAgo(8));
		await seed(tokens, "used-expired-8d", "used", daysAgo(8));
		await seed(tokens, "active-expired-6d", "active", daysAgo(6));
		await seed(tokens, "used-expires-in-3d", "used", daysAgo(-3));
		// Replaced by a reuse within the grace: kept while presenting it must still revoke its family.
		await seed(tokens, "replaced-expired-8d", "replaced", daysAgo(8));
		await seed(tokens, "replaced-expires-in-3d", "replaced", daysAgo(-3));
		await seed(tokens, "revoked-8d", "revoked", daysAgo(-1), daysAgo(8));
		await seed(tokens, "revoked-8d-expired-20d", "revoked", daysAgo(20), daysAgo(8));
		// Its refresh token expired long ago, but the session ended (was revoked) 6 days ago.
		await seed(tokens, "revoked-6d-expired-20d", "revoked", daysAgo(20), daysAgo(6));

		const info = jest.spyOn(stack.broker.getLocalService("users")!.logger, "info");
		expect(await sweep()).toEqual({ "expired refresh tokens": 3, "revoked refresh tokens": 2 });
		expect(info).toHaveBeenCalledWith("Retention sweep removed 3 expired refresh tokens, 2 revoked refresh tokens");
		info.mockRestore();
		expect(await families(tokens)).toEqual(
			[...live, "active-expired-6d", "used-expires-in-3d", "replaced-expires-in-3d", "revoked-6d-expired-20d"].sort()
		);

		// The live session still refreshes, and replaying its spent token still revokes the family.
		const again = await api.post("/api/v1/auth/refresh", { refreshToken: refreshed.body.refreshToken });
		expect(again.status).toBe(200);
		expect((await api.post("/api/v1/auth/refresh", { refreshToken: reg.body.refreshToken })).status).toBe(401);
		expect((await api.post("/api/v1/auth/refresh", { refreshToken: again.body.refreshToken })).status).toBe(401);
		expect(await sweep()).toEqual({ "expired refresh tokens": 0, "revoked refresh tokens": 0 });
	});

	it("never removes a token sooner than an access token lives, while its revocation is still reported", async () => {
		const saved = process.env.RETENTION_SESSION_DAYS;
		process.env.RETENTION_SESSION_DAYS = "0.0001"; // about 9 seconds, under JWT_ACCESS_TTL (15 minutes)
		try {
			await seed(tokens, "expired-1m", "active", ago(60_000));
			await seed(tokens, "expired-20m", "active", ago(20 * 60_000));
			await seed(tokens, "revoked-1m", "revoked", daysAgo(-1), ago(60_000));
			await seed(tokens, "revoked-20m", "revoked", daysAgo(-1), ago(20 * 60_000));
			expect(await sweep()).toEqual({ "expired refresh tokens": 1, "revoked refresh tokens": 1 });
			expect(await families(tokens)).toEqual(["expired-1m", "revoked-1m"]);
			const reported = (await stack.broker.call("users.revokedSessions")) as Array<{ sid: string }>;
			expect(reported.map(r => r.sid)).toEqual(["revoked-1m"]);
		} finally {
			process.env.RETENTION_SESSION_DAYS = saved;
		}
	});

	it("keeps ended sessions for ever with 0 days", async () => {
		const saved = process.env.RETENTION_SESSION_DAYS;
		process.env.RETENTION_SESSION_DAYS = "0";
		try {
			await seed(tokens, "expired-400d", "active", daysAgo(400));
			await seed(tokens, "revoked-400d", "revoked", daysAgo(400), daysAgo(400));
			expect(await sweep()).toEqual({});
			expect(await families(tokens)).toEqual(["expired-400d", "revoked-400d"]);
		} finally {
			process.env.RETENTION_SESSION_DAYS = saved;
		}
	});
}

describe("sessions retention on the embedded store (swept on demand)", () => {
	sweptOnDemand(async () => ({ env: {}, cleanup: async () => undefined }));
});

describeWithServer(
	"PostgreSQL",
	PG_HOST,
	PG_PORT
)("sessions retention on PostgreSQL (swept on demand)", () => {
	sweptOnDemand(async () => {
		const db = await createTestDatabase("retention_sessions");
		return { env: { USERS_DB_URI: db.uri }, cleanup: () => db.drop() };
	});
});

describe("sessions retention (swept by the timer)", () => {
	let stack: Stack;

	beforeAll(async () => {
		stack = await startStack({
			services: ["users"],
			env: { RETENTION_SWEEP_MS: "200", RETENTION_SESSION_DAYS: "7", LOG_SHIP_LEVEL: "off" }
		});
	});
	afterAll(() => stack?.stop());

	it("sweeps every RETENTION_SWEEP_MS without being asked", async () => {
		const tokens = tokensOf(stack);
		await seed(tokens, "young", "active", daysAgo(-1));
		for (let round = 0; round < 2; round++) {
			await seed(tokens, `expired-${round}`, "active", daysAgo(10));
			await eventually(
				`expired token of round ${round} removed`,
				async () => (await tokens.count({ familyId: `expired-${round}` })) === 0,
				5000
			);
		}
		expect(await families(tokens)).toEqual(["young"]);
	});
});
