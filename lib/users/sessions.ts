/**
 * Sessions: a short-lived JWT access token plus an opaque, rotating refresh token. Each login starts
 * a token family whose id is the session id (`sid` in the access token). A refresh spends the
 * presented token and issues the next one of the family; presenting a spent token again means it
 * was copied, so the whole family is revoked and the gateways are told to refuse its access tokens.
 */
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { UnauthorizedError } from "../errors";
import { newId } from "../ids";
import { signAccessToken } from "../jwt";
import { storeRule, type RetentionRule } from "../retention/rule";
import type { Store } from "../store";
import type { RefreshTokenDoc, Role } from "./collections";

export interface SessionOptions {
	accessTtlSeconds: number;
	refreshTtlSeconds: number;
	secret: string;
	/** Tells every gateway to refuse the access tokens of this session until `untilMs`. */
	onRevoked(sid: string, untilMs: number): Promise<void>;
}

export interface IssuedSession {
	sid: string;
	accessToken: string;
	refreshToken: string;
	expiresIn: number;
}

export interface RevokedSession {
	sid: string;
	untilMs: number;
}

const LIVE: RefreshTokenDoc["status"][] = ["active", "used"];

export function hashRefreshToken(token: string): string {
	return createHash("sha256").update(token).digest("hex");
}

export function invalidRefreshToken(): UnauthorizedError {
	return new UnauthorizedError("The refresh token is invalid, expired or revoked", "INVALID_REFRESH_TOKEN");
}

export class Sessions {
	constructor(
		private readonly tokens: Store<RefreshTokenDoc>,
		private readonly opts: SessionOptions
	) {}

	/**
	 * Issues an access token and a refresh token: a new family (login, register) or the next token of
	 * `familyId` (refresh). Retrying simply issues another pair; nothing is shared between calls.
	 */
	async issue(user: { id: string; roles: Role[] }, familyId?: string): Promise<IssuedSession> {
		const sid = familyId ?? newId();
		const refreshToken = randomBytes(32).toString("base64url");
		const now = Date.now();
		const doc = await this.tokens.insert({
			tokenHash: hashRefreshToken(refreshToken),
			userId: user.id,
			familyId: sid,
			status: "active",
			expiresAt: new Date(now + this.opts.refreshTtlSeconds * 1000).toISOString(),
			createdAt: new Date(now).toISOString()
		});
		if (familyId) {
			// A revocation of this family that ran while we were rotating either saw the new token
			// (and revoked it) or ran before this count (which then sees it): either way it sticks.
			if ((await this.tokens.count({ familyId: sid, status: "revoked" })) > 0) {
				await this.tokens.updateById(doc.id, { set: { status: "revoked", revokedAt: new Date().toISOString() } });
				throw invalidRefreshToken();
			}
		}
		const accessToken = signAccessToken(
			{ sub: user.id, roles: user.roles, jti: randomUUID(), sid },
			this.opts.accessTtlSeconds,
			this.opts.secret
		);
		return { sid, accessToken, refreshToken, expiresIn: this.opts.accessTtlSeconds };
	}

	/**
	 * Spends a refresh token and returns it. Unknown, expired or revoked tokens are a 401. A spent
	 * token presented again (a replay, or two requests racing with the same token) revokes its whole
	 * family and is a 401: the legitimate client and a thief cannot be told apart, both must log in.
	 */
	async spend(refreshToken: string): Promise<RefreshTokenDoc> {
		const token = await this.find(refreshToken);
		if (!token || token.status === "revoked") throw invalidRefreshToken();
		if (token.status === "used") {
			await this.revokeFamily(token.familyId);
			throw invalidRefreshToken();
		}
		if (token.expiresAt <= new Date().toISOString()) throw invalidRefreshToken();
		// Atomic: of two concurrent refreshes with one token exactly one gets it; the other is a reuse.
		const spent = await this.tokens.updateById(
			token.id,
			{ set: { status: "used", usedAt: new Date().toISOString() } },
			{ status: "active" }
		);
		if (!spent) {
			await this.revokeFamily(token.familyId);
			throw invalidRefreshToken();
		}
		return spent;
	}

	find(refreshToken: string): Promise<RefreshTokenDoc | null> {
		return this.tokens.findOne({ tokenHash: hashRefreshToken(refreshToken) });
	}

	/** Revokes every token of the family and tells the gateways. Idempotent: revoking twice changes nothing more. */
	async revokeFamily(familyId: string): Promise<void> {
		await this.revokeFamilies([familyId]);
	}

	/** Revokes every session of the user except `keepSid` (password change); returns how many were ended. */
	async revokeOtherSessions(userId: string, keepSid: string | undefined): Promise<number> {
		const live = await this.tokens.find({ where: { userId, status: { in: LIVE } } });
		const families = [...new Set(live.map(t => t.familyId))].filter(f => f !== keepSid);
		await this.revokeFamilies(families);
		return families.length;
	}

	/** Sessions revoked recently enough that some of their access tokens may still be unexpired. */
	async revokedSince(nowMs = Date.now()): Promise<RevokedSession[]> {
		const ttlMs = this.opts.accessTtlSeconds * 1000;
		const rows = await this.tokens.find({
			where: { status: "revoked", revokedAt: { gte: new Date(nowMs - ttlMs).toISOString() } },
			limit: 50_000
		});
		const until = new Map<string, number>();
		for (const r of rows) {
			const u = Date.parse(r.revokedAt!) + ttlMs;
			until.set(r.familyId, Math.max(u, until.get(r.familyId) ?? 0));
		}
		return [...until].map(([sid, untilMs]) => ({ sid, untilMs }));
	}

	/**
	 * Retention of ended sessions (the users service sweeps these rules): tokens expired, or revoked,
	 * more than `keepMs` ago; 0 keeps them for ever. Never sooner than an access token lives, while
	 * revokedSince still reports a revocation. A spent (`used`) token ends only when it expires:
	 * until then, presenting it again must still find it and revoke its family.
	 */
	retentionRules(keepMs: number): RetentionRule[] {
		const maxAgeMs = keepMs > 0 ? Math.max(keepMs, this.opts.accessTtlSeconds * 1000) : 0;
		return [
			storeRule({
				name: "expired refresh tokens",
				store: this.tokens,
				maxAgeMs,
				dateField: "expiresAt",
				where: { status: { in: LIVE } }
			}),
			// revokedAt is set only by a revocation.
			storeRule({ name: "revoked refresh tokens", store: this.tokens, maxAgeMs, dateField: "revokedAt" })
		];
	}

	/** Deletes at once the tokens that can no longer matter: the retention rules at their shortest age. */
	async purgeExpired(nowMs = Date.now()): Promise<number> {
		let removed = 0;
		for (const rule of this.retentionRules(1)) removed += await rule.apply(new Date(nowMs - rule.maxAgeMs), { batchSize: 500 });
		return removed;
	}

	private async revokeFamilies(families: string[]): Promise<void> {
		if (!families.length) return;
		const revokedAt = new Date();
		await this.tokens.updateMany(
			{ familyId: { in: families }, status: { in: LIVE } },
			{ set: { status: "revoked", revokedAt: revokedAt.toISOString() } }
		);
		const untilMs = revokedAt.getTime() + this.opts.accessTtlSeconds * 1000;
		for (const sid of families) await this.opts.onRevoked(sid, untilMs);
	}
}
