/**
 * The users service over HTTP, through the real gateway, written once and run per storage
 * (users.sqlite.test.ts, users.postgres.test.ts, users.mongo.test.ts).
 */
import { randomUUID } from "node:crypto";
import type { Context, ServiceSchema } from "moleculer";
import { verifyAccessToken } from "../../lib/jwt";
import type { Store } from "../../lib/store";
import { ensureAdmin } from "../../lib/users/admin-bootstrap";
import type { RefreshTokenDoc, UserDoc } from "../../lib/users/collections";
import { client, type Client, type HttpResult } from "../helpers/http";
import { startStack, type Stack } from "../helpers/stack";

export interface SuiteTarget {
	/** Extra environment for the stack, e.g. DB_URI. */
	env: Record<string, string | undefined>;
	cleanup(): Promise<void>;
}

const ADMIN = { email: "root@shop.test", password: "Admin-pass-123" };
const PASSWORD = "Secret-pass-1";
const MAX_FAILURES = 3;

interface Session {
	id: string;
	email: string;
	password: string;
	accessToken: string;
	refreshToken: string;
}

export function usersSuite(label: string, open: () => Promise<SuiteTarget>) {
	describe(label, () => {
		let target: SuiteTarget | undefined;
		let stack: Stack;
		let api: Client;
		const events: Array<{ name: string; params: Record<string, unknown> }> = [];
		const run = randomUUID().slice(0, 8);
		let counter = 0;
		const freshEmail = (tag = "user") => `${tag}-${++counter}-${run}@example.com`;

		const probe: ServiceSchema = {
			name: "users-test-probe",
			events: {
				"user.registered"(ctx: Context<Record<string, unknown>>) {
					events.push({ name: ctx.eventName ?? "", params: ctx.params });
				},
				"user.session_revoked"(ctx: Context<Record<string, unknown>>) {
					events.push({ name: ctx.eventName ?? "", params: ctx.params });
				}
			}
		};

		beforeAll(async () => {
			target = await open();
			stack = await startStack({
				services: ["api", "users"],
				extraServices: [probe],
				env: {
					...target.env,
					ADMIN_EMAIL: ADMIN.email,
					ADMIN_PASSWORD: ADMIN.password,
					JWT_ACCESS_TTL: "15m",
					JWT_REFRESH_TTL: "7d",
					LOGIN_MAX_FAILURES: String(MAX_FAILURES),
					// The first lock as long as the longest: these tests look at one lock, not at its growth.
					LOGIN_DELAY_MS: "60000",
					LOGIN_LOCK_MS: "60000"
				}
			});
			api = client(stack.baseUrl);
		});

		afterAll(async () => {
			await stack?.stop();
			await target?.cleanup();
		});

		async function register(tag = "user", password = PASSWORD): Promise<Session> {
			const email = freshEmail(tag);
			const r = await api.post("/api/v1/auth/register", { email, password, name: `Name ${tag}` });
			expect(r.status).toBe(201);
			return { id: r.body.user.id, email, password, accessToken: r.body.accessToken, refreshToken: r.body.refreshToken };
		}

		async function login(email: string, password: string): Promise<HttpResult> {
			return api.post("/api/v1/auth/login", { email, password });
		}

		async function loginAs(s: { email: string; password: string }): Promise<Session> {
			const r = await login(s.email, s.password);
			expect(r.status).toBe(200);
			return {
				id: r.body.user.id,
				email: s.email,
				password: s.password,
				accessToken: r.body.accessToken,
				refreshToken: r.body.refreshToken
			};
		}

		const adminSession = () => loginAs(ADMIN);
		const sidOf = (accessToken: string) => verifyAccessToken(accessToken, process.env.JWT_SECRET!)!.sid;

		const refreshTokens = () =>
			(stack.broker.getLocalService("users") as unknown as { store(name: string): Store<RefreshTokenDoc> }).store("refresh_tokens");
		const tokensOf = (userId: string, status: RefreshTokenDoc["status"]) => refreshTokens().count({ userId, status });

		function expectError(r: HttpResult, status: number, type?: string) {
			expect(r.status).toBe(status);
			expect(r.body.error).toMatchObject({ code: status, ...(type ? { type } : {}) });
			expect(typeof r.body.error.message).toBe("string");
		}

		function expectFieldError(r: HttpResult, field: string) {
			expectError(r, 422, "VALIDATION_ERROR");
			expect(r.body.error.data.map((d: { field: string }) => d.field)).toContain(field);
		}

		function expectNoSecrets(body: unknown) {
			const text = JSON.stringify(body);
			expect(text).not.toMatch(/passwordHash|scrypt\$|defaultSlot|tokenHash/);
		}

		describe("register", () => {
			it("creates a customer, answers 201 with tokens, normalizes the email and emits user.registered", async () => {
				const email = freshEmail("Mixed");
				const r = await api.post("/api/v1/auth/register", {
					email: `  ${email.toUpperCase()} `,
					password: PASSWORD,
					name: " Ann "
				});
				expect(r.status).toBe(201);
				expect(r.headers.get("location")).toBe("/api/v1/users/me");
				expect(r.body).toEqual({
					user: { id: expect.any(String), email: email.toLowerCase(), name: "Ann", roles: ["customer"] },
					accessToken: expect.any(String),
					refreshToken: expect.any(String),
					expiresIn: 900
				});
				expectNoSecrets(r.body);
				const claims = verifyAccessToken(r.body.accessToken, process.env.JWT_SECRET!);
				expect(claims).toMatchObject({
					sub: r.body.user.id,
					roles: ["customer"],
					sid: expect.any(String),
					jti: expect.any(String)
				});

				const event = events.find(e => e.name === "user.registered" && e.params.subject === r.body.user.id);
				expect(event?.params).toMatchObject({
					specversion: "1.0",
					source: "users",
					type: "user.registered",
					data: { id: r.body.user.id, email: email.toLowerCase(), roles: ["customer"] }
				});
				expectNoSecrets(event);
			});

			it("refuses a taken email (in any case) with 409 EMAIL_TAKEN", async () => {
				const s = await register("dup");
				const r = await api.post("/api/v1/auth/register", { email: s.email.toUpperCase(), password: PASSWORD, name: "Again" });
				expectError(r, 409, "EMAIL_TAKEN");
			});

			it("lets exactly one of two concurrent registrations with one email through", async () => {
				const email = freshEmail("race");
				const results = await Promise.all(
					[1, 2, 3].map(i => api.post("/api/v1/auth/register", { email, password: PASSWORD, name: `Racer ${i}` }))
				);
				expect(results.map(r => r.status).sort()).toEqual([201, 409, 409]);
			});

			it("refuses a weak password with 422 naming password", async () => {
				for (const password of ["short1", "lettersonly", "12345678901"]) {
					const r = await api.post("/api/v1/auth/register", { email: freshEmail("weak"), password, name: "Weak" });
					expectFieldError(r, "password");
				}
			});

			it("refuses an invalid email with 422 naming email", async () => {
				for (const email of ["not-an-email", "a@b", "", "two@@example.com"]) {
					const r = await api.post("/api/v1/auth/register", { email, password: PASSWORD, name: "Bad" });
					expectFieldError(r, "email");
				}
			});

			it("refuses missing fields", async () => {
				const r = await api.post("/api/v1/auth/register", { email: freshEmail("noname"), password: PASSWORD });
				expectFieldError(r, "name");
			});

			it("refuses a roles field with 422 and creates nothing (roles are always customer)", async () => {
				const email = freshEmail("sneaky");
				const r = await api.post("/api/v1/auth/register", { email, password: PASSWORD, name: "Sneaky", roles: ["admin"] });
				expectError(r, 422, "VALIDATION_ERROR");
				expect(JSON.stringify(r.body)).toContain("roles");
				expectError(await login(email, PASSWORD), 401, "INVALID_CREDENTIALS");

				const ok = await api.post("/api/v1/auth/register", { email, password: PASSWORD, name: "Sneaky" });
				expect(ok.status).toBe(201);
				expect(ok.body.user.roles).toEqual(["customer"]);
				expect(verifyAccessToken(ok.body.accessToken, process.env.JWT_SECRET!)!.roles).toEqual(["customer"]);
			});
		});

		describe("login", () => {
			it("answers the tokens and the user, with the email matched case-insensitively", async () => {
				const s = await register("login");
				const r = await login(` ${s.email.toUpperCase()}`, PASSWORD);
				expect(r.status).toBe(200);
				expect(r.body).toEqual({
					user: { id: s.id, email: s.email, name: "Name login", roles: ["customer"] },
					accessToken: expect.any(String),
					refreshToken: expect.any(String),
					expiresIn: 900
				});
				// A new session, not the one of the registration.
				expect(sidOf(r.body.accessToken)).not.toBe(sidOf(s.accessToken));
			});

			it("answers the same 401 for a wrong password and an unknown email", async () => {
				const s = await register("wrongpw");
				const wrong = await login(s.email, "Wrong-pass-1");
				const unknown = await login(freshEmail("nobody"), "Wrong-pass-1");
				expectError(wrong, 401, "INVALID_CREDENTIALS");
				expect(unknown.status).toBe(401);
				expect(unknown.body).toEqual(wrong.body);
				expect(unknown.headers.get("www-authenticate")).toBe(wrong.headers.get("www-authenticate"));
			});

			it(`locks an email after ${MAX_FAILURES} failures: 429 with Retry-After, even with the right password`, async () => {
				const s = await register("throttle");
				for (let i = 0; i < MAX_FAILURES; i++) expectError(await login(s.email, "Wrong-pass-1"), 401, "INVALID_CREDENTIALS");
				const locked = await login(s.email, PASSWORD);
				expectError(locked, 429, "TOO_MANY_REQUESTS");
				const retryAfter = Number(locked.headers.get("retry-after"));
				expect(retryAfter).toBeGreaterThan(0);
				expect(retryAfter).toBeLessThanOrEqual(60);
				// Other accounts are not affected.
				expect((await loginAs({ email: (await register("bystander")).email, password: PASSWORD })).accessToken).toBeTruthy();
			});

			it("locks unknown emails the same way", async () => {
				const email = freshEmail("ghost");
				for (let i = 0; i < MAX_FAILURES; i++) expect((await login(email, "Wrong-pass-1")).status).toBe(401);
				const locked = await login(email, "Wrong-pass-1");
				expectError(locked, 429, "TOO_MANY_REQUESTS");
				expect(Number(locked.headers.get("retry-after"))).toBeGreaterThan(0);
			});

			it("counts parallel guesses too", async () => {
				const s = await register("burst");
				const results = await Promise.all(Array.from({ length: 8 }, () => login(s.email, "Wrong-pass-1")));
				const statuses = results.map(r => r.status);
				expect(statuses.filter(st => st === 401)).toHaveLength(MAX_FAILURES);
				expect(statuses.filter(st => st === 429)).toHaveLength(8 - MAX_FAILURES);
			});

			it("resets the count on a successful login", async () => {
				const s = await register("reset");
				for (let round = 0; round < 2; round++) {
					for (let i = 0; i < MAX_FAILURES - 1; i++) expect((await login(s.email, "Wrong-pass-1")).status).toBe(401);
					expect((await login(s.email, PASSWORD)).status).toBe(200);
				}
			});
		});

		describe("refresh and logout", () => {
			it("rotates: a new pair each time, the old refresh token cannot be used again", async () => {
				const s = await register("rotate");
				const r1 = await api.post("/api/v1/auth/refresh", { refreshToken: s.refreshToken });
				expect(r1.status).toBe(200);
				expect(r1.body).toMatchObject({ user: { id: s.id }, expiresIn: 900 });
				expect(r1.body.refreshToken).not.toBe(s.refreshToken);
				expect(sidOf(r1.body.accessToken)).toBe(sidOf(s.accessToken));
				const r2 = await api.post("/api/v1/auth/refresh", { refreshToken: r1.body.refreshToken });
				expect(r2.status).toBe(200);
				expect((await api.get("/api/v1/users/me", { token: r2.body.accessToken })).status).toBe(200);
			});

			it("detects reuse: a spent token presented after its successor was used revokes the whole family and its access tokens", async () => {
				const s = await register("reuse");
				const rotated = await api.post("/api/v1/auth/refresh", { refreshToken: s.refreshToken });
				expect(rotated.status).toBe(200);
				const newest = await api.post("/api/v1/auth/refresh", { refreshToken: rotated.body.refreshToken });
				expect(newest.status).toBe(200);
				const sid = sidOf(newest.body.accessToken);
				expect((await api.get("/api/v1/users/me", { token: newest.body.accessToken })).status).toBe(200);

				// Within the reuse grace, but its successor was used: a replay.
				expectError(await api.post("/api/v1/auth/refresh", { refreshToken: s.refreshToken }), 401, "INVALID_REFRESH_TOKEN");
				// The newest token of the family dies too, and so do the family's access tokens.
				expectError(
					await api.post("/api/v1/auth/refresh", { refreshToken: newest.body.refreshToken }),
					401,
					"INVALID_REFRESH_TOKEN"
				);
				expectError(await api.get("/api/v1/users/me", { token: newest.body.accessToken }), 401, "INVALID_TOKEN");
				expect((await api.get("/api/v1/users/me", { token: s.accessToken })).status).toBe(401);
				expect(events).toContainEqual({ name: "user.session_revoked", params: { sid, untilMs: expect.any(Number) } });

				// A gateway starting now learns about it from users.revokedSessions.
				const revoked = (await stack.broker.call("users.revokedSessions")) as Array<{ sid: string; untilMs: number }>;
				const entry = revoked.find(x => x.sid === sid);
				expect(entry?.untilMs).toBeGreaterThan(Date.now() + 800_000);

				// Other sessions of the same user are untouched.
				expect((await loginAs(s)).accessToken).toBeTruthy();
			});

			it("a spent token presented again within the grace, its successor unused (a lost response), gets a new pair", async () => {
				const s = await register("lost");
				const lost = await api.post("/api/v1/auth/refresh", { refreshToken: s.refreshToken });
				expect(lost.status).toBe(200);
				// Lost twice: each retry replaces the unused token issued before it.
				const lostAgain = await api.post("/api/v1/auth/refresh", { refreshToken: s.refreshToken });
				expect(lostAgain.status).toBe(200);
				const retried = await api.post("/api/v1/auth/refresh", { refreshToken: s.refreshToken });
				expect(retried.status).toBe(200);
				expect(sidOf(retried.body.accessToken)).toBe(sidOf(s.accessToken));
				expect(new Set([lost.body.refreshToken, lostAgain.body.refreshToken, retried.body.refreshToken]).size).toBe(3);
				expect(await tokensOf(s.id, "active")).toBe(1);
				expect((await api.get("/api/v1/users/me", { token: retried.body.accessToken })).status).toBe(200);
				const next = await api.post("/api/v1/auth/refresh", { refreshToken: retried.body.refreshToken });
				expect(next.status).toBe(200);

				// The tokens it replaced were never delivered: whoever presents one holds a copy, so the session ends.
				expectError(await api.post("/api/v1/auth/refresh", { refreshToken: lost.body.refreshToken }), 401, "INVALID_REFRESH_TOKEN");
				expectError(await api.post("/api/v1/auth/refresh", { refreshToken: next.body.refreshToken }), 401, "INVALID_REFRESH_TOKEN");
				expect(await tokensOf(s.id, "active")).toBe(0);
			});

			it("a spent token presented again after the grace revokes the family, its successor unused or not", async () => {
				const s = await register("late");
				const rotated = await api.post("/api/v1/auth/refresh", { refreshToken: s.refreshToken });
				expect(rotated.status).toBe(200);
				await refreshTokens().updateMany(
					{ userId: s.id, status: "used" },
					{ set: { usedAt: new Date(Date.now() - 31_000).toISOString() } }
				);
				expectError(await api.post("/api/v1/auth/refresh", { refreshToken: s.refreshToken }), 401, "INVALID_REFRESH_TOKEN");
				expectError(
					await api.post("/api/v1/auth/refresh", { refreshToken: rotated.body.refreshToken }),
					401,
					"INVALID_REFRESH_TOKEN"
				);
				expect((await api.get("/api/v1/users/me", { token: rotated.body.accessToken })).status).toBe(401);
			});

			it("never leaves two live tokens when one token is presented twice concurrently", async () => {
				const s = await register("double");
				const [a, b] = await Promise.all([
					api.post("/api/v1/auth/refresh", { refreshToken: s.refreshToken }),
					api.post("/api/v1/auth/refresh", { refreshToken: s.refreshToken })
				]);
				// Either the loser found the winner's new token and replaced it (the loser's pair is the live
				// one), or found none yet and revoked the family (whatever the winner got is dead).
				expect(await tokensOf(s.id, "active")).toBeLessThanOrEqual(1);
				let accepted = 0;
				for (const r of [a, b].filter(r => r.status === 200)) {
					if ((await api.post("/api/v1/auth/refresh", { refreshToken: r.body.refreshToken })).status === 200) accepted++;
				}
				expect(accepted).toBeLessThanOrEqual(1);
			});

			it("refuses an expired refresh token", async () => {
				const s = await register("expired");
				await refreshTokens().updateMany({ userId: s.id }, { set: { expiresAt: new Date(Date.now() - 1000).toISOString() } });
				expectError(await api.post("/api/v1/auth/refresh", { refreshToken: s.refreshToken }), 401, "INVALID_REFRESH_TOKEN");
			});

			it("refuses unknown or malformed refresh tokens", async () => {
				expectError(await api.post("/api/v1/auth/refresh", { refreshToken: "bm90LWEtdG9rZW4" }), 401, "INVALID_REFRESH_TOKEN");
				expectFieldError(await api.post("/api/v1/auth/refresh", {}), "refreshToken");
				expectFieldError(await api.post("/api/v1/auth/refresh", { refreshToken: 42 }), "refreshToken");
			});

			it("logout ends the session: 204, then refresh fails and the access token is refused", async () => {
				const s = await register("logout");
				const other = await loginAs(s);
				const r = await api.post("/api/v1/auth/logout", { refreshToken: s.refreshToken }, { token: s.accessToken });
				expect(r.status).toBe(204);
				expect(r.body).toBeUndefined();
				expectError(await api.post("/api/v1/auth/refresh", { refreshToken: s.refreshToken }), 401, "INVALID_REFRESH_TOKEN");
				expectError(await api.get("/api/v1/users/me", { token: s.accessToken }), 401, "INVALID_TOKEN");
				// The user's other session lives on.
				expect((await api.get("/api/v1/users/me", { token: other.accessToken })).status).toBe(200);
				expect((await api.post("/api/v1/auth/refresh", { refreshToken: other.refreshToken })).status).toBe(200);
				// Logging out twice is fine.
				expect((await api.post("/api/v1/auth/logout", { refreshToken: s.refreshToken }, { token: other.accessToken })).status).toBe(
					204
				);
			});

			it("logout with someone else's refresh token answers 204 and ends nothing", async () => {
				const victim = await register("victim");
				const mallory = await register("mallory");
				const r = await api.post("/api/v1/auth/logout", { refreshToken: victim.refreshToken }, { token: mallory.accessToken });
				expect(r.status).toBe(204);
				expect((await api.get("/api/v1/users/me", { token: victim.accessToken })).status).toBe(200);
				expect((await api.post("/api/v1/auth/refresh", { refreshToken: victim.refreshToken })).status).toBe(200);
				const unknown = await api.post("/api/v1/auth/logout", { refreshToken: "unknown-token" }, { token: mallory.accessToken });
				expect(unknown.status).toBe(204);
			});

			it("logout everywhere ends every session of the caller, and no one else's", async () => {
				const s = await register("everywhere");
				const other = await loginAs(s);
				const stranger = await register("bystander");
				const r = await api.post("/api/v1/auth/logout", { everywhere: true }, { token: s.accessToken });
				expect(r.status).toBe(204);
				for (const session of [s, other]) {
					expectError(
						await api.post("/api/v1/auth/refresh", { refreshToken: session.refreshToken }),
						401,
						"INVALID_REFRESH_TOKEN"
					);
					expectError(await api.get("/api/v1/users/me", { token: session.accessToken }), 401, "INVALID_TOKEN");
				}
				expect((await api.get("/api/v1/users/me", { token: stranger.accessToken })).status).toBe(200);
				// Neither a refresh token nor everywhere: the field is named.
				expectFieldError(await api.post("/api/v1/auth/logout", {}, { token: stranger.accessToken }), "refreshToken");
			});

			it("logout needs an access token", async () => {
				const s = await register("anonlogout");
				expectError(await api.post("/api/v1/auth/logout", { refreshToken: s.refreshToken }), 401);
			});
		});

		describe("me", () => {
			it("reads the caller's profile; anonymous and bad tokens get 401", async () => {
				const s = await register("me");
				const r = await api.get("/api/v1/users/me", { token: s.accessToken });
				expect(r.status).toBe(200);
				expect(r.body).toEqual({
					id: s.id,
					email: s.email,
					name: "Name me",
					roles: ["customer"],
					createdAt: expect.any(String),
					updatedAt: expect.any(String)
				});
				expectNoSecrets(r.body);
				expectError(await api.get("/api/v1/users/me"), 401, "UNAUTHORIZED");
				expectError(await api.get("/api/v1/users/me", { token: "garbage" }), 401, "INVALID_TOKEN");
			});

			it("updates name and email; the new email works for login", async () => {
				const s = await register("update");
				const newEmail = freshEmail("renamed");
				const r = await api.put(
					"/api/v1/users/me",
					{ name: "New Name", email: newEmail.toUpperCase(), currentPassword: PASSWORD },
					{ token: s.accessToken }
				);
				expect(r.status).toBe(200);
				expect(r.body).toMatchObject({ id: s.id, name: "New Name", email: newEmail });
				expectNoSecrets(r.body);
				expect((await login(newEmail, PASSWORD)).status).toBe(200);
				expect((await login(s.email, PASSWORD)).status).toBe(401);
				// An empty update changes nothing.
				expect((await api.put("/api/v1/users/me", {}, { token: s.accessToken })).body).toMatchObject({ name: "New Name" });
			});

			it("refuses roles (422) and a taken (409) or invalid (422) email", async () => {
				const s = await register("noroles");
				const other = await register("taken");
				const withRoles = await api.put("/api/v1/users/me", { roles: ["admin"] }, { token: s.accessToken });
				expectError(withRoles, 422, "VALIDATION_ERROR");
				expect(JSON.stringify(withRoles.body)).toContain("roles");
				expect((await api.get("/api/v1/users/me", { token: s.accessToken })).body.roles).toEqual(["customer"]);
				expectError(
					await api.put("/api/v1/users/me", { email: other.email, currentPassword: PASSWORD }, { token: s.accessToken }),
					409,
					"EMAIL_TAKEN"
				);
				expectFieldError(await api.put("/api/v1/users/me", { email: "nope" }, { token: s.accessToken }), "email");
				expectFieldError(await api.put("/api/v1/users/me", { name: "   " }, { token: s.accessToken }), "name");
				// Setting one's own email again is not a conflict, and changes nothing that needs a password.
				expect((await api.put("/api/v1/users/me", { email: s.email }, { token: s.accessToken })).status).toBe(200);
			});

			it("a new email needs the current password (422 currentPassword) and ends every other session", async () => {
				const s = await register("mailpw");
				const other = await loginAs(s);
				const wanted = freshEmail("mailpw-new");
				expectFieldError(await api.put("/api/v1/users/me", { email: wanted }, { token: s.accessToken }), "currentPassword");
				expectFieldError(
					await api.put("/api/v1/users/me", { email: wanted, currentPassword: "Wrong-pass-1" }, { token: s.accessToken }),
					"currentPassword"
				);
				expect((await api.get("/api/v1/users/me", { token: s.accessToken })).body.email).toBe(s.email);
				// A name alone needs no password and ends nothing.
				expect((await api.put("/api/v1/users/me", { name: "Renamed" }, { token: s.accessToken })).status).toBe(200);
				expect((await api.get("/api/v1/users/me", { token: other.accessToken })).status).toBe(200);

				const changed = await api.put("/api/v1/users/me", { email: wanted, currentPassword: PASSWORD }, { token: s.accessToken });
				expect(changed.status).toBe(200);
				expect(changed.body.email).toBe(wanted);
				expectError(await api.get("/api/v1/users/me", { token: other.accessToken }), 401, "INVALID_TOKEN");
				expectError(await api.post("/api/v1/auth/refresh", { refreshToken: other.refreshToken }), 401, "INVALID_REFRESH_TOKEN");
				expect((await api.get("/api/v1/users/me", { token: s.accessToken })).status).toBe(200);
				expect((await api.post("/api/v1/auth/refresh", { refreshToken: s.refreshToken })).status).toBe(200);
			});
		});

		describe("change password", () => {
			it("changes it, ends every other session and keeps the current one", async () => {
				const s = await register("pw");
				const other = await loginAs(s);
				const third = await loginAs(s);
				const r = await api.put(
					"/api/v1/users/me/password",
					{ currentPassword: PASSWORD, newPassword: "Brand-new-pw-2" },
					{ token: s.accessToken }
				);
				expect(r.status).toBe(204);

				for (const ended of [other, third]) {
					expectError(await api.get("/api/v1/users/me", { token: ended.accessToken }), 401, "INVALID_TOKEN");
					expectError(await api.post("/api/v1/auth/refresh", { refreshToken: ended.refreshToken }), 401, "INVALID_REFRESH_TOKEN");
				}
				expect((await api.get("/api/v1/users/me", { token: s.accessToken })).status).toBe(200);
				const refreshed = await api.post("/api/v1/auth/refresh", { refreshToken: s.refreshToken });
				expect(refreshed.status).toBe(200);
				expect((await api.get("/api/v1/users/me", { token: refreshed.body.accessToken })).status).toBe(200);

				expectError(await login(s.email, PASSWORD), 401, "INVALID_CREDENTIALS");
				expect((await login(s.email, "Brand-new-pw-2")).status).toBe(200);
			});

			it("refuses a wrong current password (422 currentPassword) and a weak new one (422 newPassword)", async () => {
				const s = await register("pwbad");
				expectFieldError(
					await api.put(
						"/api/v1/users/me/password",
						{ currentPassword: "Wrong-pass-1", newPassword: "Brand-new-pw-2" },
						{ token: s.accessToken }
					),
					"currentPassword"
				);
				expectFieldError(
					await api.put(
						"/api/v1/users/me/password",
						{ currentPassword: PASSWORD, newPassword: "weak" },
						{ token: s.accessToken }
					),
					"newPassword"
				);
				expectError(await api.put("/api/v1/users/me/password", { currentPassword: PASSWORD, newPassword: "Brand-new-pw-2" }), 401);
				expect((await login(s.email, PASSWORD)).status).toBe(200);
			});
		});

		describe("addresses", () => {
			const home = { line1: "1 Main St", city: "Berlin", postalCode: "10115", country: "de" };
			const work = {
				line1: "2 Work Rd",
				line2: "Floor 3",
				city: "Paris",
				postalCode: "75001",
				country: "FR",
				phone: "+33 1 23 45 67 89"
			};
			const list = async (s: Session) => (await api.get("/api/v1/users/me/addresses", { token: s.accessToken })).body;
			const defaults = async (s: Session) =>
				(await list(s)).items.filter((a: { isDefault: boolean }) => a.isDefault).map((a: { id: string }) => a.id);

			it("creates (201), lists, updates partially and deletes (204)", async () => {
				const s = await register("addr");
				expect(await list(s)).toEqual({ items: [], total: 0, page: 1, pageSize: 50 });
				const created = await api.post("/api/v1/users/me/addresses", home, { token: s.accessToken });
				expect(created.status).toBe(201);
				expect(created.headers.get("location")).toBe(`/api/v1/users/me/addresses/${created.body.id}`);
				expect(created.body).toEqual({
					id: expect.any(String),
					...home,
					country: "DE",
					isDefault: true,
					createdAt: expect.any(String),
					updatedAt: expect.any(String)
				});
				expectNoSecrets(created.body);

				const id = created.body.id;
				const updated = await api.put(
					`/api/v1/users/me/addresses/${id}`,
					{ city: "Hamburg", state: "HH" },
					{ token: s.accessToken }
				);
				expect(updated.status).toBe(200);
				expect(updated.body).toMatchObject({
					id,
					line1: "1 Main St",
					city: "Hamburg",
					state: "HH",
					country: "DE",
					isDefault: true
				});
				const cleared = await api.put(`/api/v1/users/me/addresses/${id}`, { state: null }, { token: s.accessToken });
				expect(cleared.body.state).toBeUndefined();
				expect((await list(s)).items).toEqual([cleared.body]);

				const del = await api.del(`/api/v1/users/me/addresses/${id}`, { token: s.accessToken });
				expect(del.status).toBe(204);
				expect((await list(s)).total).toBe(0);
				expectError(await api.del(`/api/v1/users/me/addresses/${id}`, { token: s.accessToken }), 404, "NOT_FOUND");
			});

			it("keeps exactly one default: first is default, setting another moves it, deleting it promotes the oldest", async () => {
				const s = await register("defaults");
				const a = (await api.post("/api/v1/users/me/addresses", home, { token: s.accessToken })).body;
				const b = (await api.post("/api/v1/users/me/addresses", work, { token: s.accessToken })).body;
				expect(a.isDefault).toBe(true);
				expect(b.isDefault).toBe(false);
				const c = (
					await api.post("/api/v1/users/me/addresses", { ...home, line1: "3 New St", isDefault: true }, { token: s.accessToken })
				).body;
				expect(c.isDefault).toBe(true);
				expect(await defaults(s)).toEqual([c.id]);

				const viaPut = await api.put(`/api/v1/users/me/addresses/${b.id}`, { isDefault: true }, { token: s.accessToken });
				expect(viaPut.body.isDefault).toBe(true);
				expect(await defaults(s)).toEqual([b.id]);

				// The default cannot simply be unset: there must be one.
				expectFieldError(
					await api.put(`/api/v1/users/me/addresses/${b.id}`, { isDefault: false }, { token: s.accessToken }),
					"isDefault"
				);
				// Setting isDefault false on a non-default one is a no-op.
				expect((await api.put(`/api/v1/users/me/addresses/${a.id}`, { isDefault: false }, { token: s.accessToken })).status).toBe(
					200
				);

				expect((await api.del(`/api/v1/users/me/addresses/${b.id}`, { token: s.accessToken })).status).toBe(204);
				expect(await defaults(s)).toEqual([a.id]);
				expect((await list(s)).items.map((x: { id: string }) => x.id)).toEqual([a.id, c.id]);
			});

			it("never ends up with two defaults under concurrent changes", async () => {
				const s = await register("concurrent");
				const made = await Promise.all(
					[home, work, home, work].map(body => api.post("/api/v1/users/me/addresses", body, { token: s.accessToken }))
				);
				expect(made.map(r => r.status)).toEqual([201, 201, 201, 201]);
				expect(await defaults(s)).toHaveLength(1);
				const ids = made.map(r => r.body.id as string);
				const puts = await Promise.all(
					ids.map(id => api.put(`/api/v1/users/me/addresses/${id}`, { isDefault: true }, { token: s.accessToken }))
				);
				expect(puts.every(r => r.status === 200 || r.status === 409)).toBe(true);
				expect(await defaults(s)).toHaveLength(1);
			});

			it("validates fields: ISO country, required fields, unknown fields", async () => {
				const s = await register("addrval");
				const post = (body: unknown) => api.post("/api/v1/users/me/addresses", body, { token: s.accessToken });
				expectFieldError(await post({ ...home, country: "XX" }), "country");
				expectFieldError(await post({ ...home, country: "DEU" }), "country");
				expectFieldError(await post({ ...home, country: "UK" }), "country");
				expectFieldError(await post({ ...home, city: undefined }), "city");
				expectFieldError(await post({ ...home, line1: "  " }), "line1");
				expectFieldError(await post({ ...home, phone: "call me" }), "phone");
				expectError(await post({ ...home, userId: "someone-else" }), 422, "VALIDATION_ERROR");
				expect((await list(s)).total).toBe(0);
				expectError(await api.post("/api/v1/users/me/addresses", home), 401);
			});

			it("answers 404 for another user's address on PUT and DELETE, and leaves it alone", async () => {
				const owner = await register("owner");
				const intruder = await register("intruder");
				const addr = (await api.post("/api/v1/users/me/addresses", home, { token: owner.accessToken })).body;
				expectError(
					await api.put(`/api/v1/users/me/addresses/${addr.id}`, { city: "Evil" }, { token: intruder.accessToken }),
					404,
					"NOT_FOUND"
				);
				expectError(
					await api.put(`/api/v1/users/me/addresses/${addr.id}`, { isDefault: true }, { token: intruder.accessToken }),
					404,
					"NOT_FOUND"
				);
				expectError(await api.del(`/api/v1/users/me/addresses/${addr.id}`, { token: intruder.accessToken }), 404, "NOT_FOUND");
				expectError(
					await api.put(`/api/v1/users/me/addresses/no-such-id`, { city: "X" }, { token: owner.accessToken }),
					404,
					"NOT_FOUND"
				);
				expect((await list(owner)).items).toEqual([addr]);
				expect((await list(intruder)).items).toEqual([]);
			});

			it("getAddress (internal, for orders) returns the owner's address and 404 for anyone else", async () => {
				const owner = await register("internal");
				const addr = (await api.post("/api/v1/users/me/addresses", work, { token: owner.accessToken })).body;
				await expect(stack.broker.call("users.getAddress", { userId: owner.id, addressId: addr.id })).resolves.toEqual({
					...addr,
					userId: owner.id
				});
				await expect(stack.broker.call("users.getAddress", { userId: randomUUID(), addressId: addr.id })).rejects.toMatchObject({
					code: 404
				});
			});
		});

		describe("admin and internal actions", () => {
			it("bootstraps the admin from ADMIN_EMAIL / ADMIN_PASSWORD, once, even when run concurrently", async () => {
				const admin = await adminSession();
				expect(verifyAccessToken(admin.accessToken, process.env.JWT_SECRET!)!.roles).toEqual(["admin"]);
				const me = await api.get("/api/v1/users/me", { token: admin.accessToken });
				expect(me.body).toMatchObject({ email: ADMIN.email, roles: ["admin"] });

				const svc = stack.broker.getLocalService("users") as unknown as { store(name: string): Store<UserDoc> };
				const users = svc.store("users");
				const quiet = { info: () => undefined, warn: () => undefined };
				const cfg = { adminEmail: ADMIN.email, adminPassword: ADMIN.password, isProduction: false };
				await Promise.all([ensureAdmin(users, cfg, quiet), ensureAdmin(users, cfg, quiet)]);
				expect(await users.count({ email: ADMIN.email })).toBe(1);
			});

			it("creates one admin when two nodes bootstrap a fresh database at once", async () => {
				const svc = stack.broker.getLocalService("users") as unknown as { store(name: string): Store<UserDoc> };
				const users = svc.store("users");
				const quiet = { info: () => undefined, warn: () => undefined };
				const cfg = { adminEmail: `boot-${run}@shop.test`, adminPassword: ADMIN.password, isProduction: false };
				await Promise.all([ensureAdmin(users, cfg, quiet), ensureAdmin(users, cfg, quiet), ensureAdmin(users, cfg, quiet)]);
				expect(await users.count({ email: cfg.adminEmail })).toBe(1);
			});

			it("never promotes an existing customer who holds the admin email", async () => {
				const s = await register("squatter");
				const svc = stack.broker.getLocalService("users") as unknown as { store(name: string): Store<UserDoc> };
				const warn = jest.fn();
				await ensureAdmin(
					svc.store("users"),
					{ adminEmail: s.email, adminPassword: ADMIN.password, isProduction: false },
					{ info: () => undefined, warn }
				);
				expect(warn).toHaveBeenCalled();
				expect((await api.get("/api/v1/users/me", { token: (await loginAs(s)).accessToken })).body.roles).toEqual(["customer"]);
			});

			it("verify: admin only over HTTP (customer 403, anonymous 401), trusted internally", async () => {
				const admin = await adminSession();
				const s = await register("verified");
				const r = await api.get(`/api/v1/users/${s.id}/verify`, { token: admin.accessToken });
				expect(r.status).toBe(200);
				expect(r.body).toEqual({ exists: true, id: s.id, active: true });
				const missing = await api.get(`/api/v1/users/${randomUUID()}/verify`, { token: admin.accessToken });
				expect(missing.body).toMatchObject({ exists: false });
				expectError(await api.get(`/api/v1/users/${s.id}/verify`, { token: s.accessToken }), 403, "FORBIDDEN");
				expectError(await api.get(`/api/v1/users/${s.id}/verify`), 401);
				await expect(stack.broker.call("users.verify", { id: s.id })).resolves.toEqual({ exists: true, id: s.id, active: true });
			});

			it("/users/me is not taken for /users/:id", async () => {
				const s = await register("static");
				expect((await api.get("/api/v1/users/me", { token: s.accessToken })).body.id).toBe(s.id);
				expect((await api.get("/api/users/me", { token: s.accessToken })).body.id).toBe(s.id);
			});
		});

		describe("compatibility aliases", () => {
			it("/api/users/register and /api/users/login", async () => {
				const email = freshEmail("compat");
				const reg = await api.post("/api/users/register", { email, password: PASSWORD, name: "Compat" });
				expect(reg.status).toBe(201);
				expect(reg.body.user).toMatchObject({ email, roles: ["customer"] });
				const log = await api.post("/api/users/login", { email, password: PASSWORD });
				expect(log.status).toBe(200);
				expect(log.body.user.id).toBe(reg.body.user.id);
				const out = await api.post("/api/users/logout", { refreshToken: log.body.refreshToken }, { token: log.body.accessToken });
				expect(out.status).toBe(204);
			});

			it("/api/users/:id and /api/customers/:id: self or admin, anyone else 404", async () => {
				const a = await register("selfa");
				const b = await register("selfb");
				const admin = await adminSession();
				expect((await api.get(`/api/users/${a.id}`, { token: a.accessToken })).body).toMatchObject({ id: a.id, email: a.email });
				expect((await api.get(`/api/customers/${a.id}`, { token: admin.accessToken })).body).toMatchObject({ id: a.id });
				expectError(await api.get(`/api/users/${a.id}`, { token: b.accessToken }), 404, "NOT_FOUND");
				expectError(await api.get(`/api/users/${randomUUID()}`, { token: admin.accessToken }), 404, "NOT_FOUND");
				expectError(await api.get(`/api/users/${a.id}`), 401);
				expect((await api.get(`/api/customers/${a.id}/verify`, { token: admin.accessToken })).body).toMatchObject({ exists: true });
			});

			it("/api/customers lists users for admins only, paginated", async () => {
				await register("listed");
				const admin = await adminSession();
				const all = await api.get("/api/customers?pageSize=100", { token: admin.accessToken });
				expect(all.status).toBe(200);
				expect(all.body).toMatchObject({ page: 1, pageSize: 100, total: expect.any(Number) });
				expect(all.body.items.length).toBe(Math.min(all.body.total, 100));
				expectNoSecrets(all.body);
				const page2 = await api.get("/api/customers?page=2&pageSize=2", { token: admin.accessToken });
				expect(page2.body).toMatchObject({ page: 2, pageSize: 2, total: all.body.total });
				expect(page2.body.items).toEqual(all.body.items.slice(2, 4));
				expectFieldError(await api.get("/api/customers?pageSize=1000", { token: admin.accessToken }), "pageSize");
				const customer = await register("notadmin");
				expectError(await api.get("/api/customers", { token: customer.accessToken }), 403, "FORBIDDEN");
				expectError(await api.get("/api/customers"), 401);
			});
		});
	});
}
