/**
 * The gateway's rate limits (lib/gateway/rate-limit.ts): per client address for each route group
 * (register, login and refresh under a stricter limit; /docs; everything else), and per signed-in
 * user; counted in Redis when REDIS_URL is set (so every gateway node shares the counts), in memory
 * otherwise. Limits hold from the first request: the gateway waits (briefly) until Redis counts.
 * From the rest of the gateway: `cfg` (api.service.ts), `routes` (moleculer-web).
 */
import ApiGateway from "moleculer-web";
import { loadConfig } from "../../lib/config";
import { routeRateLimits } from "../../lib/gateway/moleculer-web-internals";
import { clientIp, createRateLimitStore, retryAfterSeconds, storeFactory, type RateLimitStore } from "../../lib/gateway/rate-limit";
import type { GatewayMixin, Req } from "./http";

export const RateLimitMixin: GatewayMixin = {
	created() {
		const cfg = loadConfig();
		// The fallback Retry-After of a 429 (settings.onError).
		this.settings.rateLimitWindowMs = cfg.rateLimitWindowMs;
		this.rateLimitPrefix = `${cfg.namespace || "shop"}:rl`;
		this.userLimit = createRateLimitStore(cfg.rateLimitWindowMs, {
			prefix: `${this.rateLimitPrefix}:user`,
			redisUrl: cfg.redisUrl,
			logger: this.logger
		});
	},

	methods: {
		/** moleculer-web's `rateLimit` option of a route: `limit` requests per client address per window, counted under `group`. */
		routeRateLimit(group: string, limit: number, windowMs: number) {
			return {
				window: windowMs,
				limit,
				headers: true,
				key: (req: Req) => (req.$rateLimitKey = clientIp(req, this.cfg.trustProxyHops)),
				StoreFactory: storeFactory(this.cfg.redisUrl),
				prefix: `${this.rateLimitPrefix}:${group}`,
				redisUrl: this.cfg.redisUrl,
				logger: this.logger
			};
		},

		/** Counts a signed-in user's request; beyond RATE_LIMIT_USER_MAX per window it is a 429. */
		async countUserRequest(userId: string) {
			const store: RateLimitStore = this.userLimit;
			const count = await store.inc(userId);
			if (count > this.cfg.rateLimitUserMax) {
				const retryAfter = retryAfterSeconds(store, userId, this.cfg.rateLimitWindowMs);
				throw new ApiGateway.Errors.RateLimitExceeded("TOO_MANY_REQUESTS", { retryAfter });
			}
		},

		rateLimitStores(): RateLimitStore[] {
			return [this.userLimit, ...routeRateLimits(this).map(l => l.store)].filter((s): s is RateLimitStore => !!s);
		}
	},

	async started() {
		await Promise.all(this.rateLimitStores().map((s: RateLimitStore) => s.ready(3000)));
	},

	async stopped() {
		await Promise.all(this.rateLimitStores().map((s: RateLimitStore) => s.close().catch(() => undefined)));
	}
};
