/** Sessions on an in-memory embedded (SQLite) store: the revocation window, purging, rotation racing a revocation, and the reuse grace racing itself. */
import { createStore, type Store } from "../../lib/store";
import { REFRESH_TOKENS, type RefreshTokenDoc } from "../../lib/users/collections";
import { Sessions, hashRefreshToken } from "../../lib/users/sessions";

describe("Sessions", () => {
	let store: Store<RefreshTokenDoc>;
	let sessions: Sessions;
	let graceful: Sessions;
	const revoked: Array<{ sid: string; untilMs: number }> = [];
	const user = { id: "user-1", roles: ["customer" as const] };

	beforeEach(async () => {
		revoked.length = 0;
		store = createStore<RefreshTokenDoc>(REFRESH_TOKENS, { uri: null, dataDir: null, connectTimeoutMs: 1000 });
		await store.connect();
		const opts = {
			accessTtlSeconds: 60,
			refreshTtlSeconds: 3600,
			secret: "unit-test-secret",
			onRevoked: async (sid: string, untilMs: number) => void revoked.push({ sid, untilMs })
		};
		sessions = new Sessions(store, { ...opts, reuseGraceSeconds: 0 });
		graceful = new Sessions(store, { ...opts, reuseGraceSeconds: 30 });
	});
	afterEach(() => store.disconnect());

	it("rotates within the family and revokes it on reuse, reporting it for one access-token lifetime", async () => {
		const first = await sessions.issue(user);
		const spent = await sessions.spend(first.refreshToken);
		const second = await sessions.issue(user, spent.familyId);
		expect(second.sid).toBe(first.sid);
		await expect(sessions.spend(first.refreshToken)).rejects.toMatchObject({ code: 401, type: "INVALID_REFRESH_TOKEN" });
		await expect(sessions.spend(second.refreshToken)).rejects.toMatchObject({ code: 401 });
		expect(revoked.map(r => r.sid)).toContain(first.sid);

		const now = Date.now();
		expect(await sessions.revokedSince(now)).toEqual([{ sid: first.sid, untilMs: expect.any(Number) }]);
		expect(await sessions.revokedSince(now + 61_000)).toEqual([]);
	});

	it("does not let a rotation escape a revocation that ran meanwhile", async () => {
		const first = await sessions.issue(user);
		const spent = await sessions.spend(first.refreshToken);
		// A logout or password change revokes the family while this refresh is in flight.
		await sessions.revokeFamily(spent.familyId);
		await expect(sessions.issue(user, spent.familyId)).rejects.toMatchObject({ code: 401 });
		expect(await store.count({ familyId: spent.familyId, status: "active" })).toBe(0);
	});

	it("revokes every other session of a user and keeps the given one", async () => {
		const keep = await sessions.issue(user);
		const a = await sessions.issue(user);
		const b = await sessions.issue(user);
		await sessions.issue({ id: "user-2", roles: ["customer"] });
		expect(await sessions.revokeOtherSessions(user.id, keep.sid)).toBe(2);
		expect(revoked.map(r => r.sid).sort()).toEqual([a.sid, b.sid].sort());
		await expect(sessions.spend(keep.refreshToken)).resolves.toMatchObject({ familyId: keep.sid });
		await expect(sessions.spend(a.refreshToken)).rejects.toMatchObject({ code: 401 });
	});

	it("purges expired tokens but keeps recently revoked ones while they are still reported", async () => {
		const expired = await sessions.issue(user);
		const revokedLate = await sessions.issue(user);
		const fresh = await sessions.issue(user);
		const past = new Date(Date.now() - 2 * 3600_000).toISOString();
		await store.updateMany({ familyId: { in: [expired.sid, revokedLate.sid] } }, { set: { expiresAt: past } });
		// Revoked just now, although its refresh token had already expired: still reported, so kept.
		await sessions.revokeFamily(revokedLate.sid);
		expect(await sessions.purgeExpired()).toBe(1);
		expect((await store.find()).map(t => t.familyId).sort()).toEqual([revokedLate.sid, fresh.sid].sort());
		expect((await sessions.revokedSince()).map(r => r.sid)).toEqual([revokedLate.sid]);
		// Once the revocation is older than an access token's life, it goes too.
		expect(await sessions.purgeExpired(Date.now() + 61_000)).toBe(1);
		expect((await store.find()).map(t => t.familyId)).toEqual([fresh.sid]);
	});

	it("lets only one of concurrent reuses of a spent token (and of its successor) keep a live token", async () => {
		for (let round = 0; round < 5; round++) {
			const first = await graceful.issue(user);
			const spent = await graceful.spend(first.refreshToken);
			const lost = await graceful.issue(user, spent.familyId);
			const reuse = async (token: string) => graceful.issue(user, (await graceful.spend(token)).familyId);
			const results = await Promise.allSettled([reuse(first.refreshToken), reuse(first.refreshToken), reuse(lost.refreshToken)]);
			const issued = results.flatMap(r => (r.status === "fulfilled" ? [r.value.refreshToken] : []));
			const live = await store.find({ where: { familyId: first.sid, status: "active" } });
			expect(live.length).toBeLessThanOrEqual(1);
			expect(live.every(t => issued.some(token => hashRefreshToken(token) === t.tokenHash))).toBe(true);
		}
	});
});
