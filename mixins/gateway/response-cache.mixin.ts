/**
 * The rendered-response cache in front of moleculer-web (lib/gateway/response-cache.ts). A public,
 * cacheable GET answered 200 gets an ETag and a copy of its rendered body; the same anonymous GET is
 * then answered from that copy without moleculer-web or a broker call (still counted against the
 * client's per-IP limit), until the service it came from broadcasts a write (cache.clean.<service>,
 * mixins/cache-cleaner.mixin.ts). Any answer with an ETag is a 304 when If-None-Match matches it.
 * From the rest of the gateway: `cfg`, `mainRoute` (its per-IP limit) and `passOn` (api.service.ts).
 */
import type { Context } from "moleculer";
import { loadConfig } from "../../lib/config";
import { clientIp } from "../../lib/gateway/rate-limit";
import { requestIdFrom } from "../../lib/gateway/request-id";
import { ResponseCache, etagOf, matchesIfNoneMatch, type RenderedResponse } from "../../lib/gateway/response-cache";
import type { FlatHeaders } from "../../lib/gateway/security-headers";
import { rateLimitOf, type RouteRateLimit } from "../../lib/gateway/moleculer-web-internals";
import { JSON_TYPE, serviceOf, type GatewayMixin, type Req, type Res } from "./http";

export const ResponseCacheMixin: GatewayMixin = {
	created() {
		this.responseCache = new ResponseCache(loadConfig().responseCacheTtlMs);
	},

	events: {
		// Broadcast by a service after each write (mixins/cache-cleaner.mixin.ts), on every node.
		"cache.clean.*"(this: { responseCache: ResponseCache }, ctx: Context) {
			this.responseCache.invalidate((ctx.eventName ?? "").slice("cache.clean.".length));
		}
	},

	methods: {
		/**
		 * Answers an anonymous GET from the response cache, counting it against the client's per-IP
		 * limit like any other request. False when the request must take the full pipeline.
		 */
		serveCached(req: Req, res: Res, security: FlatHeaders): boolean {
			const cache: ResponseCache = this.responseCache;
			if (!cache.enabled || cache.size === 0) return false;
			const h = req.headers;
			if (h.authorization !== undefined || h.origin !== undefined || h["idempotency-key"] !== undefined) return false;
			const entry = cache.get(req.url!);
			if (!entry) return false;
			// A service with no live node answers 503, as without the cache.
			const endpoints = this.broker.registry.getActionEndpoints(entry.action) as { hasAvailable(): boolean } | undefined;
			if (!endpoints?.hasAvailable()) return false;
			const limit = rateLimitOf(this.mainRoute)!;
			const key = clientIp(req, this.cfg.trustProxyHops);
			const counted = limit.store.inc(key);
			if (typeof counted === "number") {
				if (counted > limit.limit) return false; // the pipeline answers the 429
				this.writeCached(req, res, security, entry, limit, counted);
				return true;
			}
			counted.then(
				n => (n > limit.limit ? this.passOn(req, res, security) : this.writeCached(req, res, security, entry, limit, n)),
				() => this.passOn(req, res, security)
			);
			return true;
		},

		writeCached(req: Req, res: Res, security: FlatHeaders, entry: RenderedResponse, limit: RouteRateLimit, count: number) {
			this.responseCache.hits++;
			const headers = [
				...security,
				"X-Request-Id",
				requestIdFrom(req.headers["x-request-id"]),
				"X-Rate-Limit-Limit",
				String(limit.limit),
				"X-Rate-Limit-Remaining",
				String(Math.max(0, limit.limit - count)),
				"X-Rate-Limit-Reset",
				String(limit.store.resetTime),
				"Cache-Control",
				"no-cache",
				"ETag",
				entry.etag
			];
			if (matchesIfNoneMatch(req.headers, entry.etag)) {
				res.writeHead(304, headers);
				res.end();
				return;
			}
			headers.push("Content-Type", entry.contentType, "Content-Length", String(entry.body.length));
			res.writeHead(200, headers);
			res.end(req.method === "HEAD" ? undefined : entry.body);
		},

		/** Before the call: a cacheable GET notes the generation of its service's cache, so a write during the call discards its copy. */
		noteCacheGeneration(req: Req) {
			const action = req.$action;
			if (action?.cache && req.method === "GET") req.$cacheGeneration = this.responseCache.generation(serviceOf(action.name));
		},

		/**
		 * The routes' onAfterCall. Cacheable public GETs get an ETag and a copy in the response cache;
		 * any answer with an ETag is a 304 when If-None-Match matches it (whatever the request's
		 * Cache-Control says: the gateway is the origin here, and the cache it keeps is cleaned on every write).
		 */
		afterCall(
			ctx: Context<unknown, { $statusCode?: number; $responseHeaders?: Record<string, string> }>,
			_route: unknown,
			req: Req,
			res: Res,
			data: unknown
		) {
			if ((ctx.meta.$statusCode ?? 200) !== 200) return data;
			let etag = ctx.meta.$responseHeaders?.ETag;
			const action = req.$action;
			if (req.$cacheGeneration !== undefined && action?.auth === "public" && data !== null && typeof data === "object") {
				const body = JSON.stringify(data);
				etag = etagOf(body);
				req.$encoded = body;
				res.setHeader("ETag", etag);
				res.setHeader("Cache-Control", "no-cache");
				(this.responseCache as ResponseCache).set(
					req.originalUrl ?? req.url!,
					{ body: Buffer.from(body), etag, contentType: JSON_TYPE, service: serviceOf(action.name), action: action.name },
					req.$cacheGeneration
				);
			}
			if (etag && matchesIfNoneMatch(req.headers, etag)) ctx.meta.$statusCode = 304;
			return data;
		},

		/** JSON serialized once when the ETag already needed it. */
		encodeResponse(req: Req, _res: Res, data: unknown) {
			return req.$encoded ?? JSON.stringify(data);
		}
	}
};
