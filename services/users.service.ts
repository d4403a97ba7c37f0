/**
 * Users and authentication: accounts, sessions (JWT access token + rotating refresh token),
 * login throttling, and the address book. Routes are relative to /api/v1; the gateway enforces
 * `auth` and `roles`. The pieces live in lib/users/; this file wires them to actions.
 */
import { canSee } from "../lib/access";
import type { Context, Service, ServiceSchema, ServiceSettingSchema } from "moleculer";
import { loadConfig } from "../lib/config";
import { ConflictError, NotFoundError, UnauthorizedError, invalidField } from "../lib/errors";
import { jwtSecret } from "../lib/jwt";
import { DAY_MS } from "../lib/retention/rule";
import { dummyPasswordHash, hashPassword, passwordWeakness, verifyPassword } from "../lib/password";
import { DuplicateKeyError, type Store } from "../lib/store";
import { AddressBook, MAX_ADDRESSES_PER_USER } from "../lib/users/address-book";
import { ensureAdmin } from "../lib/users/admin-bootstrap";
import { COLLECTIONS, type AddressDoc, type RefreshTokenDoc, type UserDoc } from "../lib/users/collections";
import { LoginThrottle, throttleStoreFor } from "../lib/users/login-throttle";
import { toPublicAddress, toPublicUser, type PublicUser } from "../lib/users/shape";
import {
	addressCreateParams,
	addressUpdateParams,
	emailRule,
	idRule,
	nameRule,
	newPasswordRule,
	pageRule,
	pageSizeRule,
	passwordRule,
	refreshTokenRule,
	type AddressInput
} from "../lib/users/params";
import { Sessions, invalidRefreshToken, type IssuedSession } from "../lib/users/sessions";
import { DbMixin, type DbThis } from "../mixins/db.mixin";
import { RetentionMixin } from "../mixins/retention.mixin";
import type { RequestMeta } from "../types/moleculer";
import { findPage, OLDEST_FIRST } from "../lib/store/page";
import { originOf } from "../lib/tracing/origin";
import type { SessionRevokedData } from "../lib/users/events";

type Meta = RequestMeta & { $location?: string };
type Ctx<P = Record<string, never>> = Context<P, Meta>;

interface AuthResponse {
	user: Pick<PublicUser, "id" | "email" | "name" | "roles">;
	accessToken: string;
	refreshToken: string;
	expiresIn: number;
}

interface UsersState {
	sessions: Sessions;
	addressBook: AddressBook;
	throttle: LoginThrottle;
}

interface UsersMethods {
	users(): Store<UserDoc>;
	currentUser(ctx: Ctx<unknown>): Promise<UserDoc>;
	checkCurrentPassword(user: UserDoc, password: string | undefined, clientIp: string | undefined, whenMissing?: string): Promise<void>;
	authResponse(user: UserDoc, session: IssuedSession): AuthResponse;
}

type UsersThis = Service & DbThis & UsersState & UsersMethods;

const invalidCredentials = () => new UnauthorizedError("Invalid email or password", "INVALID_CREDENTIALS");
const emailTaken = () => new ConflictError("An account with this email already exists", "EMAIL_TAKEN");
const weakPassword = (field: string, weakness: string) => invalidField(field, `The '${field}' field ${weakness}.`, "passwordWeak");
const nowIso = () => new Date().toISOString();

const UsersService: ServiceSchema<ServiceSettingSchema, UsersMethods, DbThis & UsersState, UsersThis> = {
	name: "users",
	mixins: [
		// Ended sessions' refresh tokens, RETENTION_SESSION_DAYS after they ended (lib/users/sessions.ts).
		// Before DbMixin, so a sweep under way ends before the stores close.
		RetentionMixin<UsersThis>(function () {
			return this.sessions?.retentionRules(loadConfig().retentionSessionDays * DAY_MS) ?? [];
		}),
		DbMixin(COLLECTIONS, { outbox: true })
	],

	actions: {
		/** Concurrent registrations with one email: one 201, the others 409 (unique email index). */
		register: {
			rest: "POST /auth/register",
			auth: "public",
			params: { email: emailRule, password: newPasswordRule, name: nameRule },
			async handler(this: UsersThis, ctx: Ctx<{ email: string; password: string; name: string }>): Promise<AuthResponse> {
				const { email, password, name } = ctx.params;
				const weakness = passwordWeakness(password);
				if (weakness) throw weakPassword("password", weakness);
				// Cheap early answer; the unique index is what decides under concurrency.
				if (await this.users().findOne({ email })) throw emailTaken();
				const at = nowIso();
				const passwordHash = await hashPassword(password);
				let user: UserDoc;
				try {
					// The user and user.registered are one write.
					user = await this.outbox.write(async w => {
						const inserted = await w.bind(this.users()).insert({
							email,
							name,
							passwordHash,
							roles: ["customer"],
							active: true,
							createdAt: at,
							updatedAt: at
						});
						w.stage("user.registered", inserted.id, toPublicUser(inserted));
						return inserted;
					}, originOf(ctx));
				} catch (err) {
					if (err instanceof DuplicateKeyError) throw emailTaken();
					throw err;
				}
				const session = await this.sessions.issue(user);
				ctx.meta.$statusCode = 201;
				ctx.meta.$location = "/api/v1/users/me";
				return this.authResponse(user, session);
			}
		},

		/** Each call starts a new session; a retried login just makes another one. */
		login: {
			rest: "POST /auth/login",
			auth: "public",
			params: { email: { type: "string", trim: true, lowercase: true, min: 1, max: 254 }, password: passwordRule },
			async handler(this: UsersThis, ctx: Ctx<{ email: string; password: string }>): Promise<AuthResponse> {
				const { email, password } = ctx.params;
				// Throttled per account and client address (lib/users/login-throttle.ts); only failures count.
				const user = await this.throttle.guard(email, ctx.meta.clientIp, async () => {
					const found = await this.users().findOne({ email });
					// Unknown emails are checked against a dummy hash: same work, same answer, same timing.
					const ok = await verifyPassword(password, found?.passwordHash ?? (await dummyPasswordHash()));
					return ok && found && found.active !== false ? found : null;
				});
				if (!user) throw invalidCredentials();
				const session = await this.sessions.issue(user);
				// A password change that ran while we were logging in with the old password lists the
				// sessions after storing the new hash: if it missed ours, we see the new hash here.
				const fresh = await this.users().findById(user.id);
				if (fresh?.passwordHash !== user.passwordHash) {
					await this.sessions.revokeFamily(session.sid);
					throw invalidCredentials();
				}
				return this.authResponse(user, session);
			}
		},

		/**
		 * Rotation; a replayed (or concurrently presented) token revokes its whole family, except a
		 * spent one presented again within the reuse grace while its successor is unused (a lost response).
		 */
		refresh: {
			rest: "POST /auth/refresh",
			auth: "public",
			params: { refreshToken: refreshTokenRule },
			async handler(this: UsersThis, ctx: Ctx<{ refreshToken: string }>): Promise<AuthResponse> {
				const spent: RefreshTokenDoc = await this.sessions.spend(ctx.params.refreshToken);
				const user = await this.users().findById(spent.userId);
				if (!user || user.active === false) {
					await this.sessions.revokeFamily(spent.familyId);
					throw invalidRefreshToken();
				}
				// Current roles, not the ones of the first login.
				return this.authResponse(user, await this.sessions.issue(user, spent.familyId));
			}
		},

		/**
		 * Ends the session of the given refresh token, if it is the caller's; anything else (unknown,
		 * someone else's, already revoked) still answers 204 so nothing is revealed. Idempotent.
		 */
		/**
		 * Ends the session of `refreshToken` (this device), or with `everywhere: true` every session of
		 * the caller, this one included (no refresh token needed then). 204 either way; someone else's
		 * or an unknown refresh token ends nothing. Repeating it changes nothing more.
		 */
		logout: {
			rest: "POST /auth/logout",
			params: { refreshToken: { ...refreshTokenRule, optional: true }, everywhere: { type: "boolean", optional: true } },
			async handler(this: UsersThis, ctx: Ctx<{ refreshToken?: string; everywhere?: boolean }>): Promise<null> {
				const userId = ctx.meta.user?.id;
				if (ctx.params.everywhere) {
					if (userId) await this.sessions.revokeOtherSessions(userId, undefined);
				} else {
					if (!ctx.params.refreshToken)
						throw invalidField("refreshToken", "A refresh token, or everywhere: true, is required.", "required");
					const token = await this.sessions.find(ctx.params.refreshToken);
					if (token && token.userId === userId) await this.sessions.revokeFamily(token.familyId);
				}
				ctx.meta.$statusCode = 204;
				return null;
			}
		},

		me: {
			rest: "GET /users/me",
			async handler(this: UsersThis, ctx: Ctx): Promise<PublicUser> {
				return toPublicUser(await this.currentUser(ctx));
			}
		},

		/**
		 * Name and email only (roles are an unknown field: 422). A new email must be free (409) and
		 * needs the current password (422 naming currentPassword, throttled like a login), since the
		 * email is the login: a stolen access token alone must not take the account over. Like a
		 * password change, a new email ends every other session; this one keeps working.
		 */
		updateMe: {
			rest: "PUT /users/me",
			params: {
				name: { ...nameRule, optional: true },
				email: { ...emailRule, optional: true },
				currentPassword: { ...passwordRule, optional: true }
			},
			async handler(this: UsersThis, ctx: Ctx<{ name?: string; email?: string; currentPassword?: string }>): Promise<PublicUser> {
				const user = await this.currentUser(ctx);
				const set: Partial<UserDoc> = {};
				if (ctx.params.name !== undefined) set.name = ctx.params.name;
				const newEmail = ctx.params.email !== undefined && ctx.params.email !== user.email ? ctx.params.email : null;
				if (newEmail) {
					await this.checkCurrentPassword(
						user,
						ctx.params.currentPassword,
						ctx.meta.clientIp,
						"Changing the email needs the current password"
					);
					const owner = await this.users().findOne({ email: newEmail });
					if (owner && owner.id !== user.id) throw emailTaken();
					set.email = newEmail;
				}
				if (!Object.keys(set).length) return toPublicUser(user);
				try {
					// An email change is compare-and-set on the email the password was checked for: of two
					// concurrent changes one answers 409.
					const updated = await this.users().updateById(
						user.id,
						{ set: { ...set, updatedAt: nowIso() } },
						newEmail ? { email: user.email } : undefined
					);
					if (!updated)
						throw newEmail
							? new ConflictError("The account was changed concurrently", "CONCURRENT_UPDATE")
							: new NotFoundError("User", user.id);
					if (newEmail) await this.sessions.revokeOtherSessions(user.id, ctx.meta.user?.sid);
					return toPublicUser(updated);
				} catch (err) {
					// Two users taking the same new email at once: the unique index lets one through.
					if (err instanceof DuplicateKeyError) throw emailTaken();
					throw err;
				}
			}
		},

		/**
		 * Wrong current password: 422 naming currentPassword (the caller is authenticated, so this is
		 * a bad field, not a failed login; it is throttled like a login). Weak new password: 422
		 * naming newPassword. Every other session of the user is ended; this one keeps working.
		 * A retry after success fails with 422 (the current password has changed); two concurrent
		 * changes: the hash is compare-and-set, so the second answers 409.
		 */
		changePassword: {
			rest: "PUT /users/me/password",
			params: { currentPassword: passwordRule, newPassword: newPasswordRule },
			async handler(this: UsersThis, ctx: Ctx<{ currentPassword: string; newPassword: string }>): Promise<null> {
				const weakness = passwordWeakness(ctx.params.newPassword);
				if (weakness) throw weakPassword("newPassword", weakness);
				const user = await this.currentUser(ctx);
				await this.checkCurrentPassword(user, ctx.params.currentPassword, ctx.meta.clientIp);
				const updated = await this.users().updateById(
					user.id,
					{ set: { passwordHash: await hashPassword(ctx.params.newPassword), updatedAt: nowIso() } },
					{ passwordHash: user.passwordHash }
				);
				if (!updated) throw new ConflictError("The password was changed concurrently", "CONCURRENT_UPDATE");
				await this.sessions.revokeOtherSessions(user.id, ctx.meta.user?.sid);
				ctx.meta.$statusCode = 204;
				return null;
			}
		},

		/** All of them (at most MAX_ADDRESSES_PER_USER), in the list shape, oldest first. */
		listAddresses: {
			rest: "GET /users/me/addresses",
			async handler(this: UsersThis, ctx: Ctx) {
				const user = await this.currentUser(ctx);
				const items = (await this.addressBook.list(user.id)).map(toPublicAddress);
				return { items, total: items.length, page: 1, pageSize: MAX_ADDRESSES_PER_USER };
			}
		},

		createAddress: {
			rest: "POST /users/me/addresses",
			params: addressCreateParams,
			async handler(this: UsersThis, ctx: Ctx<AddressInput>) {
				const user = await this.currentUser(ctx);
				const address = await this.addressBook.create(user.id, ctx.params);
				ctx.meta.$statusCode = 201;
				ctx.meta.$location = `/api/v1/users/me/addresses/${address.id}`;
				return toPublicAddress(address);
			}
		},

		updateAddress: {
			rest: "PUT /users/me/addresses/:id",
			params: addressUpdateParams,
			async handler(this: UsersThis, ctx: Ctx<Partial<AddressInput> & { id: string }>) {
				const { id, ...patch } = ctx.params;
				const user = await this.currentUser(ctx);
				return toPublicAddress(await this.addressBook.update(user.id, id, patch));
			}
		},

		deleteAddress: {
			rest: "DELETE /users/me/addresses/:id",
			params: { id: idRule },
			async handler(this: UsersThis, ctx: Ctx<{ id: string }>): Promise<null> {
				const user = await this.currentUser(ctx);
				await this.addressBook.remove(user.id, ctx.params.id);
				ctx.meta.$statusCode = 204;
				return null;
			}
		},

		/** For other services (orders): one address of one user, 404 when it is not theirs. */
		getAddress: {
			idempotent: true,
			visibility: "public",
			params: { userId: idRule, addressId: idRule },
			async handler(this: UsersThis, ctx: Ctx<{ userId: string; addressId: string }>) {
				const address: AddressDoc = await this.addressBook.get(ctx.params.userId, ctx.params.addressId);
				return { ...toPublicAddress(address), userId: address.userId };
			}
		},

		/** Admin over HTTP; other services call it directly (internal calls are trusted). */
		verify: {
			idempotent: true,
			rest: "GET /users/:id/verify",
			roles: ["admin"],
			params: { id: idRule },
			async handler(this: UsersThis, ctx: Ctx<{ id: string }>) {
				const user = await this.users().findById(ctx.params.id);
				return user ? { exists: true, id: user.id, active: user.active !== false } : { exists: false, id: ctx.params.id };
			}
		},

		/** No v1 route (the gateway maps /api/users/:id and /api/customers/:id here): self or admin, others 404. */
		get: {
			idempotent: true,
			params: { id: idRule },
			async handler(this: UsersThis, ctx: Ctx<{ id: string }>): Promise<PublicUser> {
				const caller = ctx.meta.user;
				// No caller means a call from another service, which is trusted.
				const allowed = canSee(caller, ctx.params.id);
				const user = allowed ? await this.users().findById(ctx.params.id) : null;
				if (!user) throw new NotFoundError("User", ctx.params.id);
				return toPublicUser(user);
			}
		},

		/** Admin only; compat route /api/customers. */
		list: {
			roles: ["admin"],
			params: { page: pageRule, pageSize: pageSizeRule },
			async handler(this: UsersThis, ctx: Ctx<{ page?: number; pageSize?: number }>) {
				const page = ctx.params.page ?? 1;
				const pageSize = ctx.params.pageSize ?? 20;
				return findPage(this.users(), {}, page, pageSize, toPublicUser, OLDEST_FIRST);
			}
		},

		/** For gateways starting up: the sessions whose access tokens must still be refused. */
		revokedSessions: {
			visibility: "public",
			async handler(this: UsersThis) {
				return this.sessions.revokedSince();
			}
		},

		/** For other services (notifications' low-stock alerts): the emails of the active admins. */
		adminEmails: {
			visibility: "public",
			async handler(this: UsersThis): Promise<string[]> {
				// Roles are a JSON column, which the store's filters do not reach into: scan in pages (alerts are rare).
				const emails: string[] = [];
				const pageSize = 500;
				for (let offset = 0; ; offset += pageSize) {
					const batch = await this.users().find({ sort: [["id", "asc"]], offset, limit: pageSize });
					for (const u of batch) if (u.active !== false && u.roles.includes("admin")) emails.push(u.email);
					if (batch.length < pageSize) return emails;
				}
			}
		}
	},

	methods: {
		users(this: UsersThis): Store<UserDoc> {
			return this.store<UserDoc>("users");
		},

		/** The caller's account; a token whose user was deleted is a 401. */
		async currentUser(this: UsersThis, ctx: Ctx<unknown>): Promise<UserDoc> {
			const id = ctx.meta.user?.id;
			const user = id ? await this.users().findById(id) : null;
			if (!user || user.active === false) throw new UnauthorizedError("The account of this token no longer exists", "INVALID_TOKEN");
			return user;
		},

		/**
		 * Re-authentication inside a session: a missing or wrong password is a 422 naming
		 * currentPassword (the caller is signed in, so not a failed login), throttled like a login.
		 */
		async checkCurrentPassword(
			this: UsersThis,
			user: UserDoc,
			password: string | undefined,
			clientIp: string | undefined,
			whenMissing?: string
		): Promise<void> {
			if (password === undefined)
				throw invalidField("currentPassword", whenMissing ?? "The current password is required", "required");
			const ok = await this.throttle.guard(user.email, clientIp, () => verifyPassword(password, user.passwordHash));
			if (!ok) throw invalidField("currentPassword", "The current password is wrong", "passwordMismatch");
		},

		authResponse(user: UserDoc, session: IssuedSession): AuthResponse {
			return {
				user: { id: user.id, email: user.email, name: user.name, roles: [...user.roles] },
				accessToken: session.accessToken,
				refreshToken: session.refreshToken,
				expiresIn: session.expiresIn
			};
		}
	},

	async started(this: UsersThis) {
		const cfg = loadConfig();
		// Throws in production without JWT_SECRET, which fails the start of this service (and node).
		const secret = jwtSecret(msg => this.logger.warn(msg));
		this.sessions = new Sessions(this.store<RefreshTokenDoc>("refresh_tokens"), {
			accessTtlSeconds: cfg.jwtAccessTtl,
			refreshTtlSeconds: cfg.jwtRefreshTtl,
			reuseGraceSeconds: cfg.refreshReuseGraceSeconds,
			secret,
			// Broadcast, not emit: every gateway node keeps its own denylist.
			onRevoked: (sid, untilMs) => this.broker.broadcast("user.session_revoked", { sid, untilMs } satisfies SessionRevokedData)
		});
		this.addressBook = new AddressBook(this.store<AddressDoc>("addresses"));
		this.throttle = new LoginThrottle(throttleStoreFor(this.broker.cacher), {
			maxFailures: cfg.loginMaxFailures,
			lockMs: cfg.loginLockMs,
			firstDelayMs: cfg.loginDelayMs
		});
		// Computed once per process; warming it now keeps the first unknown-email login as slow as the others.
		void dummyPasswordHash();
		await ensureAdmin(this.users(), cfg, this.logger);
	},

	stopped(this: UsersThis) {
		this.throttle?.close();
	}
};

export default UsersService;
