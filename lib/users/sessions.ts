/**
 * Sessions: a short-lived JWT access token plus an opaque, rotating refresh token. Each login starts
 * a token family whose id is the session id (`sid` in the access token). A refresh spends the
 * presented token and issues the next one of the family; presenting a spent token again means it
 * was copied, so the whole family is revoked and the gateways are told to refuse its access tokens.
 * One exception, the reuse grace: a response can be lost (a page navigated away while its refresh
 * was in flight), leaving the client with the token just spent. Presented again within
 * `reuseGraceSeconds` of its spending, while no token issued after it has been used, it gets a new
 * pair of the family and the unused successor is `replaced`: never delivered, so presenting it later
 * is a replay too. A family thus keeps at most one usable (`active`) token.
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
	/** How long after its spending a spent token whose successor is unused still gets a new pair (0: never). */
	reuseGraceSeconds: number;
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
/** Statuses whose tokens are kept until they expire (a replaced one must still be recognised when presented). */
const KEPT_UNTIL_EXPIRY: RefreshTokenDoc["status"][] = [...LIVE, "replaced"];

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
	 * Except within the reuse grace (see the header): then it is returned again, its unused
	 * successor replaced, and the caller issues the family's next pair as for any refresh.
	 */
	async spend(refreshToken: string): Promise<RefreshTokenDoc> {
		let token = await this.find(refreshToken);
		if (!token || token.status === "revoked") throw invalidRefreshToken();
		if (token.status === "active") {
			if (token.expiresAt <= new Date().toISOString()) throw invalidRefreshToken();
			// Atomic: of two concurrent refreshes with one token exactly one gets it; the other is a reuse.
			const spent = await this.tokens.updateById(
				token.id,
				{ set: { status: "used", usedAt: new Date().toISOString() } },
				{ status: "active" }
			);
			if (spent) return spent;
			token = await this.tokens.findById(token.id);
			if (!token || token.status === "revoked") throw invalidRefreshToken();
		}
		if (token.status === "used" && (await this.replaceSuccessors(token))) return token;
		await this.revokeFamily(token.familyId);
		throw invalidRefreshToken();
	}

	/**
	 * The reuse grace: true when `spent` is within it and every token issued after it was still
	 * unused and is now `replaced`. Each successor is claimed with a conditional update, so of a
	 * reuse racing a refresh with the successor, or another reuse of `spent`, exactly one claims it:
	 * the other fails here and revokes the family. No successor to claim (its rotation is still in
	 * flight) fails too, and that rotation's `issue` then sees the revocation.
	 */
	private async replaceSuccessors(spent: RefreshTokenDoc): Promise<boolean> {
		const now = new Date();
		if (!spent.usedAt || this.opts.reuseGraceSeconds <= 0) return false;
		if (now.getTime() > Date.parse(spent.usedAt) + this.opts.reuseGraceSeconds * 1000 || spent.expiresAt <= now.toISOString())
			return false;
		// Issued after it was spent: its successor, and those earlier reuses of it replaced.
		const later = await this.tokens.find({ where: { familyId: spent.familyId, createdAt: { gte: spent.usedAt } } });
		const successors = later.filter(t => t.id !== spent.id);
		const unused = successors.filter(t => t.status === "active");
		if (!unused.length || successors.some(t => t.status !== "active" && t.status !== "replaced")) return false;
		for (const successor of unused) {
			if (!(await this.tokens.updateById(successor.id, { set: { status: "replaced" } }, { status: "active" }))) return false;
		}
		return true;
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
	 * revokedSince still reports a revocation. A spent (`used`) or `replaced` token ends only when it
	 * expires: until then, presenting it again must still find it and revoke its family.
	 */
	retentionRules(keepMs: number): RetentionRule[] {
		const maxAgeMs = keepMs > 0 ? Math.max(keepMs, this.opts.accessTtlSeconds * 1000) : 0;
		return [
			storeRule({
				name: "expired refresh tokens",
				store: this.tokens,
				maxAgeMs,
				dateField: "expiresAt",
				where: { status: { in: KEPT_UNTIL_EXPIRY } }
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
