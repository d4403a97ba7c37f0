/**
 * The gateway's authentication and authorization. A Bearer access token becomes ctx.meta.user,
 * verified once and remembered 30 s by token string (lib/gateway/token-cache.ts); a present but
 * invalid token is a 401, never anonymous. A token of an ended session (logout, password change)
 * is refused on every request (lib/gateway/session-denylist.ts, fed by user.session_revoked). The
 * `auth` ("required" by default, or "public") and `roles` each action declares are enforced here.
 * GET /metrics takes the operators' METRICS_TOKEN instead of a user's token.
 * Each signed-in request counts against the per-user limit (rate-limit.mixin.ts).
 * From the rest of the gateway: `cfg` (api.service.ts), `countUserRequest` (rate-limit.mixin.ts).
 */
import type { Context } from "moleculer";
import { metricsTokenMatches } from "../../lib/broker/metrics-privacy";
import { ForbiddenError, UnauthorizedError } from "../../lib/errors";
import { SessionDenylist } from "../../lib/gateway/session-denylist";
import { VerifiedTokenCache } from "../../lib/gateway/token-cache";
import { jwtSecret, verifyAccessToken } from "../../lib/jwt";
import type { SessionRevokedData } from "../../lib/users/events";
import type { GatewayMixin, Req, UserMeta } from "./http";

export const AuthenticationMixin: GatewayMixin = {
	created() {
		this.jwtSecret = jwtSecret(msg => this.logger.warn(msg));
		this.denylist = new SessionDenylist();
		this.tokens = new VerifiedTokenCache();
	},

	events: {
		// Users may live on another node and start later: load the revoked sessions once it appears.
		"$services.changed"() {
			if (!this.revokedSessionsLoaded) void this.loadRevokedSessions();
		},
		"user.session_revoked"(this: { denylist: SessionDenylist }, ctx: Context<SessionRevokedData>) {
			this.denylist.add(ctx.params.sid, ctx.params.untilMs);
		}
	},

	methods: {
		/** Learns the sessions revoked before this gateway started. */
		async loadRevokedSessions() {
			const services = this.broker.registry.getServiceList({ onlyAvailable: true }) as Array<{ name: string }>;
			if (!services.some(s => s.name === "users")) return;
			try {
				const list = (await this.broker.call("users.revokedSessions")) as SessionRevokedData[];
				list.forEach(s => this.denylist.add(s.sid, s.untilMs));
				this.revokedSessionsLoaded = true;
			} catch (err) {
				this.logger.debug("Could not load revoked sessions:", (err as Error).message);
			}
		},

		/** Turns a Bearer token into ctx.meta.user; a present but invalid token is a 401, not anonymous. */
		async authenticate(_ctx: Context, _route: unknown, req: Req): Promise<UserMeta> {
			const header = req.headers.authorization;
			// /metrics takes the operators' METRICS_TOKEN when one is set, not a user's access token.
			if (req.$action?.name === "api.metrics") {
				if (this.cfg.metricsToken && !metricsTokenMatches(header, this.cfg.metricsToken))
					throw new UnauthorizedError("GET /metrics needs 'Authorization: Bearer <METRICS_TOKEN>'", "INVALID_TOKEN");
				return null;
			}
			if (!header) return null;
			const match = /^Bearer\s+(\S+)$/i.exec(header);
			if (!match) throw new UnauthorizedError("Authorization header must be 'Bearer <token>'", "INVALID_TOKEN");
			const tokens: VerifiedTokenCache = this.tokens;
			let claims = tokens.get(match[1]);
			if (!claims) {
				claims = verifyAccessToken(match[1], this.jwtSecret) ?? undefined;
				if (!claims) throw new UnauthorizedError("The access token is invalid or expired", "INVALID_TOKEN");
				tokens.set(match[1], claims);
			}
			if (this.denylist.has(claims.sid)) throw new UnauthorizedError("The session of this token was ended", "INVALID_TOKEN");
			await this.countUserRequest(claims.sub);
			return { id: claims.sub, roles: claims.roles, sid: claims.sid };
		},

		/** Enforces the `auth` and `roles` properties declared on the called action. */
		authorize(ctx: Context<unknown, { user?: UserMeta }>, _route: unknown, req: Req) {
			const action = req.$action;
			if (!action) return;
			const user = ctx.meta.user;
			if ((action.auth ?? "required") === "public") return;
			if (!user) throw new UnauthorizedError();
			if (action.roles?.length && !action.roles.some(r => user.roles.includes(r))) throw new ForbiddenError();
		}
	},

	started() {
		this.revokedSessionsLoaded = false;
		void this.loadRevokedSessions();
	}
};
