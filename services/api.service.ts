/**
 * The API gateway: every HTTP route of the system, JWT verified once here, role checks declared
 * on the actions (`auth`, `roles`) and enforced here, one error body for every failure.
 *
 * Around moleculer-web it adds: security headers on every answer; per-IP rate limits per route
 * group (register/login/refresh stricter) and a per-user limit, counted in Redis when REDIS_URL is
 * set; ETag/304 and a rendered-response cache for cacheable public GETs (lib/gateway/response-cache.ts);
 * an HTTP deadline; a drain on shutdown (stop accepting, finish what is in flight, then let the
 * broker stop the services); the OpenAPI document generated from the routes, and its UI at /docs.
 */
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { Context, ServiceBroker, ServiceSchema } from "moleculer";
import ApiGateway from "moleculer-web";
import { loadConfig, type Config } from "../lib/config";
import { ForbiddenError, NotFoundError, UnauthorizedError, invalidField } from "../lib/errors";
import { bodyPolicy } from "../lib/gateway/body-policy";
import { answerClientErrorsWithJson, clientErrorBody } from "../lib/gateway/client-error";
import { COMPAT_ROUTES } from "../lib/gateway/compat-routes";
import { DocsAssets } from "../lib/gateway/docs";
import { toErrorBody } from "../lib/gateway/error-body";
import { clusterHealth, readiness } from "../lib/gateway/health";
import { buildOpenApi, type ActionDoc, type DocumentedRoute } from "../lib/gateway/openapi";
import { clientIp, createRateLimitStore, retryAfterSeconds, storeFactory, type RateLimitStore } from "../lib/gateway/rate-limit";
import { idempotencyKeyFrom, requestIdFrom } from "../lib/gateway/request-id";
import { ResponseCache, etagOf, matchesIfNoneMatch, type RenderedResponse } from "../lib/gateway/response-cache";
import { collectRoutes, sortRoutes, toAliases, type RouteEntry } from "../lib/gateway/route-table";
import { SecurityHeaders, type FlatHeaders } from "../lib/gateway/security-headers";
import { SessionDenylist } from "../lib/gateway/session-denylist";
import { VerifiedTokenCache } from "../lib/gateway/token-cache";
import { WebApps } from "../lib/gateway/web-apps";
import { webAppsSettings } from "../lib/gateway/web-apps-settings";
import { requestScope } from "../lib/request-context";
import { prometheusText } from "../lib/broker/gateway-prometheus-reporter";
import { metricsTokenMatches } from "../lib/broker/metrics-privacy";
import { jwtSecret, verifyAccessToken } from "../lib/jwt";
import { domainServices } from "./domain-services";

interface ActionInfo {
	name: string;
	auth?: string;
	roles?: string[];
	cache?: unknown;
}

interface RouteRateLimit {
	limit: number;
	store: RateLimitStore;
}

interface GatewayRoute {
	name: string;
	rateLimit?: RouteRateLimit;
}

type Req = IncomingMessage & {
	$action?: ActionInfo;
	$ctx?: Context;
	$route?: GatewayRoute;
	$rateLimitKey?: string;
	/** The response-cache generation of the called service when the request started. */
	$cacheGeneration?: number;
	/** The JSON already serialized for the ETag, so it is not serialized twice. */
	$encoded?: string;
	originalUrl?: string;
};
type Res = ServerResponse;
type UserMeta = { id: string; roles: string[]; sid: string } | null;

/** Actions under the stricter per-IP login limit (password guessing, sign-up spam, token grinding). */
const AUTH_ACTIONS = new Set(["users.register", "users.login", "users.refresh"]);

/** Path prefixes of the API: every route answers versioned and unversioned. */
const V1 = "/api/v1";
const UNVERSIONED = "/api";

const JSON_TYPE = "application/json; charset=utf-8";

/** Largest request body, as sent and once decoded. */
const BODY_LIMIT = 1024 * 1024;

/** The interactive docs, at the server root and under the versioned prefix. */
const DOCS_PATHS = ["/docs", `${V1}/docs`];

function sendJson(res: Res, status: number, body: unknown) {
	res.statusCode = status;
	res.setHeader("Content-Type", JSON_TYPE);
	res.end(JSON.stringify(body));
}

function serviceOf(actionName: string): string {
	return actionName.slice(0, actionName.lastIndexOf("."));
}

const config = () => loadConfig();

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const ApiService: ServiceSchema<Record<string, any>> = {
	name: "api",
	mixins: [ApiGateway],

	settings: {
		port: config().port,
		ip: config().host,
		// Routes are built in created(), once the environment of this process is known.
		routes: [{ name: "placeholder", path: "/", aliases: {}, mappingPolicy: "restrict" }],
		// One line per request at info level costs more than the request itself on a cached read;
		// requests are logged at debug (LOG_LEVEL=debug), errors at error as before.
		logRequest: "debug",
		logResponse: "debug",
		logRouteRegistration: "debug",
		log4XXResponses: false,
		logRequestParams: null,
		logResponseData: null,
		onError(
			this: { logger: { error(...a: unknown[]): void }; settings: { rateLimitWindowMs: number } },
			req: Req,
			res: Res,
			err: unknown
		) {
			if (res.headersSent) return void res.end();
			const { status, body, retryAfter } = toErrorBody(err);
			// Error responses are written outside the action, so re-enter the request's scope for the log line.
			if (status >= 500 && status !== 503)
				requestScope.run({ requestId: req.$ctx?.requestID ?? undefined }, () =>
					this.logger.error(`${req.method} ${req.url} failed:`, err)
				);
			if (status === 429)
				res.setHeader(
					"Retry-After",
					String(
						retryAfter ?? retryAfterSeconds(req.$route?.rateLimit?.store, req.$rateLimitKey, this.settings.rateLimitWindowMs)
					)
				);
			if (status === 401) res.setHeader("WWW-Authenticate", 'Bearer realm="api"');
			sendJson(res, status, body);
		}
	},

	created() {
		const cfg: Config = loadConfig();
		this.cfg = cfg;
		this.settings.port = cfg.port;
		this.settings.ip = cfg.host;
		this.settings.rateLimitWindowMs = cfg.rateLimitWindowMs;
		this.jwtSecret = jwtSecret(msg => this.logger.warn(msg));
		this.denylist = new SessionDenylist();
		this.tokens = new VerifiedTokenCache();
		this.security = new SecurityHeaders({ hstsMaxAge: cfg.hstsMaxAge, trustProxyHops: cfg.trustProxyHops });
		this.responseCache = new ResponseCache(cfg.responseCacheTtlMs);
		this.docsAssets = new DocsAssets("/docs", `${V1}/openapi.json`);
		// The storefront at /, the backoffice at /admin (lib/gateway/web-apps.ts).
		this.webApps = new WebApps(webAppsSettings());
		this.inFlight = new Set<Res>();
		this.draining = null;
		const prefix = `${cfg.namespace || "shop"}:rl`;
		this.userLimit = createRateLimitStore(cfg.rateLimitWindowMs, {
			prefix: `${prefix}:user`,
			redisUrl: cfg.redisUrl,
			logger: this.logger
		});

		// What the gateway serves: every action's `rest` under /api/v1 and /api, plus the compatibility names under /api.
		const schemas = [{ name: "api", actions: this.schema.actions }, ...Object.values(domainServices)];
		const routeTable = collectRoutes(schemas);
		this.routeTable = routeTable;
		const served: Array<DocumentedRoute & RouteEntry> = [
			...routeTable.map(r => ({ ...r, servers: [V1, UNVERSIONED] })),
			...COMPAT_ROUTES.map(({ versioned, ...r }) => ({ ...r, servers: versioned ? [V1, UNVERSIONED] : [UNVERSIONED] }))
		];
		const aliasesOf = (pick: (r: DocumentedRoute) => boolean) =>
			toAliases(
				sortRoutes(
					served.filter(pick).flatMap(r =>
						r.servers.map((s): RouteEntry => ({
							method: r.method,
							path: s.slice(UNVERSIONED.length) + r.path,
							action: r.action,
							before: r.before
						}))
					)
				)
			);

		const rateLimit = (group: string, limit: number, windowMs: number) => ({
			window: windowMs,
			limit,
			headers: true,
			key: (req: Req) => (req.$rateLimitKey = clientIp(req, cfg.trustProxyHops)),
			StoreFactory: storeFactory(cfg.redisUrl),
			prefix: `${prefix}:${group}`,
			redisUrl: cfg.redisUrl,
			logger: this.logger
		});

		const common = {
			mappingPolicy: "restrict",
			authentication: true,
			authorization: true,
			// JSON object bodies only, checked before authentication (lib/gateway/body-policy.ts).
			bodyParsers: false,
			use: [bodyPolicy({ limit: BODY_LIMIT, logger: this.logger })],
			cors: cfg.corsOrigins.length
				? {
						origin: cfg.corsOrigins.includes("*") ? "*" : cfg.corsOrigins,
						methods: ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
						allowedHeaders: ["Authorization", "Content-Type", "Idempotency-Key", "X-Request-Id", "If-None-Match"],
						exposedHeaders: ["X-Request-Id", "Retry-After", "ETag", "Location"],
						credentials: !cfg.corsOrigins.includes("*"),
						maxAge: 600
					}
				: undefined,
			onBeforeCall: this.beforeCall,
			onAfterCall: this.afterCall,
			callOptions: {}
		};

		// moleculer-web built its default route before this hook ran; replace it with ours. One route
		// per rate-limit group, all under /api ("/v1/..." and the unversioned names).
		this.routes = [];
		this.aliases = [];
		this.addRoute({
			...common,
			name: "auth",
			path: UNVERSIONED,
			aliases: aliasesOf(r => AUTH_ACTIONS.has(r.action)),
			rateLimit: rateLimit("auth", cfg.rateLimitLoginMax, cfg.rateLimitLoginWindowMs)
		});
		this.mainRoute = this.addRoute({
			...common,
			name: "api",
			path: UNVERSIONED,
			aliases: aliasesOf(r => !AUTH_ACTIONS.has(r.action)),
			rateLimit: rateLimit("ip", cfg.rateLimitMax, cfg.rateLimitWindowMs)
		});
		const docsRoutes: DocumentedRoute[] = [
			{ method: "GET", path: "/docs", action: "api.docs", servers: ["/", V1], produces: "text/html", tag: "docs" },
			{ method: "GET", path: "/docs/:file", action: "api.docs", servers: ["/", V1], produces: "*/*", tag: "docs" }
		];
		const docsHandler = (req: Req, res: Res) => this.serveDocs(req, res);
		for (const path of DOCS_PATHS)
			this.addRoute({
				name: `docs ${path}`,
				path,
				mappingPolicy: "restrict",
				authentication: false,
				authorization: false,
				bodyParsers: false,
				aliases: { "GET /": docsHandler, "GET /:file": docsHandler },
				rateLimit: rateLimit("docs", cfg.rateLimitMax, cfg.rateLimitWindowMs)
			});
		this.settings.rootCallOptions = (options: { requestID?: string }, req: Req) => {
			options.requestID = requestIdFrom(req.headers["x-request-id"]);
		};

		// The document of exactly what is served: the same list the aliases above were made from.
		const actions: Record<string, ActionDoc> = {
			"api.docs": { auth: "public", summary: "Interactive API documentation (swagger-ui) and its files" }
		};
		for (const schema of schemas)
			for (const [name, def] of Object.entries(schema.actions ?? {}))
				if (def && typeof def === "object") actions[`${schema.name}.${name}`] = def as ActionDoc;
		const doc = buildOpenApi([...served, ...docsRoutes], {
			title: "moleculer-shop API",
			version: "1.0.0",
			description:
				"Every route answers under `/api/v1` and unversioned under `/api`. Errors have one body: " +
				'`{ "error": { "type", "message", "code", "data"? } }`. Access tokens go in the `Authorization: Bearer <token>` header.',
			actions
		});
		this.openapiJson = JSON.stringify(doc);
		this.openapiEtag = etagOf(this.openapiJson);

		// Our listener in front of moleculer-web's (the realtime service adds an "upgrade" listener to
		// this.server; that one is left alone).
		const server = this.server as Server;
		server.removeAllListeners("request");
		server.on("request", (req: Req, res: Res) => this.handleHttp(req, res));
		server.requestTimeout = cfg.httpTimeoutMs;
		server.headersTimeout = Math.min(cfg.httpTimeoutMs, 20_000);
		// Node checks those timeouts every 30 s by default, so a slow client could hold a connection
		// that long past them; read when the server starts listening.
		(server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval = Math.max(
			100,
			Math.min(server.headersTimeout / 4, 30_000)
		);
		// 431, 408 and malformed HTTP answered with the error body instead of Node's plain text.
		answerClientErrorsWithJson(server);

		registerDrainHook(this.broker);
	},

	actions: {
		// An HTTP request must never be replayed by the broker's retry policy.
		rest: { retryPolicy: { enabled: false } },
		// moleculer-web's alias listing is not part of this API.
		listAliases: false,

		live: {
			rest: "GET /health/live",
			auth: "public",
			handler() {
				return { status: "ok" };
			}
		},
		ready: {
			rest: "GET /health/ready",
			auth: "public",
			async handler(ctx: Context<unknown, { $statusCode?: number }>) {
				const r = await readiness(this.broker);
				if (!r.ready) ctx.meta.$statusCode = 503;
				return r;
			}
		},
		health: {
			rest: "GET /health",
			auth: "public",
			handler(ctx: Context<unknown, { $statusCode?: number }>) {
				const h = clusterHealth(this.broker, ["api", ...Object.keys(domainServices)]);
				if (h.status !== "ok") ctx.meta.$statusCode = 503;
				return h;
			}
		},
		metrics: {
			rest: "GET /metrics",
			auth: "public",
			summary: "Prometheus metrics of this node, without host details; needs Bearer METRICS_TOKEN when that is set",
			handler(ctx: Context<unknown, { $responseType?: string; $statusCode?: number }>) {
				const text = prometheusText(this.broker);
				if (text === null) throw new NotFoundError("Metrics");
				ctx.meta.$responseType = "text/plain; version=0.0.4; charset=utf-8";
				return text;
			}
		},
		openapi: {
			rest: "GET /openapi.json",
			auth: "public",
			summary: "This document (OpenAPI 3.1), generated from the routes the gateway serves",
			handler(ctx: Context<unknown, { $responseType?: string; $responseHeaders?: Record<string, string> }>) {
				ctx.meta.$responseType = JSON_TYPE;
				ctx.meta.$responseHeaders = { ETag: this.openapiEtag, "Cache-Control": "no-cache" };
				return this.openapiJson;
			}
		}
	},

	events: {
		// Users may live on another node and start later: load the revoked sessions once it appears.
		"$services.changed"() {
			if (!this.revokedSessionsLoaded) void this.loadRevokedSessions();
		},
		"user.session_revoked"(this: { denylist: SessionDenylist }, ctx: Context<{ sid: string; untilMs: number }>) {
			this.denylist.add(ctx.params.sid, ctx.params.untilMs);
		},
		// Broadcast by a service after each write (mixins/cache-cleaner.mixin.ts), on every node.
		"cache.clean.*"(this: { responseCache: ResponseCache }, ctx: Context) {
			this.responseCache.invalidate((ctx.eventName ?? "").slice("cache.clean.".length));
		}
	},

	methods: {
		/** Every HTTP request: security headers, the response cache, the deadline, then moleculer-web. */
		handleHttp(req: Req, res: Res) {
			if (this.webApps.serve(req, res, this.security.for(req, false))) return;
			const docs = DOCS_PATHS.some(p => req.url!.startsWith(p));
			const security: FlatHeaders = this.security.for(req, docs);
			this.inFlight.add(res);
			if (this.draining) res.shouldKeepAlive = false;
			if (!docs && (req.method === "GET" || req.method === "HEAD") && this.serveCached(req, res, security)) {
				res.once("close", () => this.inFlight.delete(res));
				return;
			}
			this.passOn(req, res, security);
		},

		/** The full pipeline (moleculer-web), under the HTTP deadline. */
		passOn(req: Req, res: Res, security: FlatHeaders) {
			for (let i = 0; i < security.length; i += 2) res.setHeader(security[i], security[i + 1]);
			res.setHeader("Cache-Control", "no-store");
			const timer = setTimeout(() => this.timedOut(req, res), this.cfg.httpTimeoutMs);
			res.once("close", () => {
				clearTimeout(timer);
				this.inFlight.delete(res);
			});
			void this.httpHandler(req, res);
		},

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
			const limit: RouteRateLimit = this.mainRoute.rateLimit;
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

		/**
		 * The HTTP deadline passed before an answer: 503, and the connection is not reused; a 408 when
		 * the client had not even sent its whole body (as Node answers a request that slow).
		 */
		timedOut(req: Req, res: Res) {
			if (res.headersSent) return;
			res.shouldKeepAlive = false;
			if (!req.complete) {
				const { status, body } = clientErrorBody("ERR_HTTP_REQUEST_TIMEOUT");
				return sendJson(res, status, body);
			}
			this.logger.warn(`${req.method} ${req.url} got no answer within ${this.cfg.httpTimeoutMs} ms`);
			const { status, body } = toErrorBody({ name: "RequestTimeoutError" });
			sendJson(res, status, body);
		},

		/** Errors are logged once, by settings.onError (5xx but 503, in the request's scope); moleculer-web would log them again. */
		errorHandler(req: Req, res: Res, err: unknown) {
			this.sendError(req, res, err);
		},

		/** JSON serialized once when the ETag already needed it. */
		encodeResponse(req: Req, _res: Res, data: unknown) {
			return req.$encoded ?? JSON.stringify(data);
		},

		/**
		 * Stop accepting connections, let the requests in flight finish (their connections are not kept
		 * alive), close idle keep-alive connections; after SHUTDOWN_TIMEOUT_MS, close what is left.
		 * Runs before the broker stops any service, so in-flight requests still reach their actions.
		 */
		drain(): Promise<void> {
			if (this.draining) return this.draining;
			const server = this.server as Server | undefined;
			if (!server?.listening) return (this.draining = Promise.resolve());
			this.draining = new Promise<void>(resolve => {
				const pending = this.inFlight.size;
				if (pending) this.logger.info(`Draining: no new connections, waiting for ${pending} request(s) in flight`);
				const done = () => {
					clearTimeout(deadline);
					clearInterval(poll);
					resolve();
				};
				const deadline = setTimeout(() => {
					this.logger.warn(
						`Draining: ${this.inFlight.size} request(s) still running after ${this.cfg.shutdownTimeoutMs} ms, closing`
					);
					server.closeAllConnections();
					done();
				}, this.cfg.shutdownTimeoutMs);
				// Done when every HTTP request has been answered (upgraded WebSocket connections are the
				// realtime service's to close), or when every connection is gone.
				const poll = setInterval(() => this.inFlight.size === 0 && done(), 20);
				server.close(done);
				for (const res of this.inFlight as Set<Res>) if (!res.headersSent) res.shouldKeepAlive = false;
				server.closeIdleConnections();
			});
			return this.draining;
		},

		/** Serves the /docs page and its files (swagger-ui-dist). */
		serveDocs(req: Req, res: Res & { $route?: unknown }) {
			const name = (req.url ?? "/").split("?")[0].replace(/^\/+/, "");
			const file = this.docsAssets.get(name);
			if (!file) return this.sendError(req, res, new NotFoundError("File", name));
			res.setHeader("Cache-Control", name ? "public, max-age=3600" : "no-cache");
			res.setHeader("ETag", file.etag);
			if (matchesIfNoneMatch(req.headers, file.etag)) {
				res.statusCode = 304;
				return res.end();
			}
			res.setHeader("Content-Type", file.contentType);
			res.setHeader("Content-Length", file.body.length);
			res.end(file.body);
		},

		rateLimitStores(): RateLimitStore[] {
			const routes = this.routes as Array<{ rateLimit?: { store?: RateLimitStore } }>;
			return [this.userLimit, ...routes.map(r => r.rateLimit?.store)].filter((s): s is RateLimitStore => !!s);
		},

		/** Learns the sessions revoked before this gateway started. */
		async loadRevokedSessions() {
			const services = this.broker.registry.getServiceList({ onlyAvailable: true }) as Array<{ name: string }>;
			if (!services.some(s => s.name === "users")) return;
			try {
				const list = (await this.broker.call("users.revokedSessions")) as Array<{ sid: string; untilMs: number }>;
				list.forEach(s => this.denylist.add(s.sid, s.untilMs));
				this.revokedSessionsLoaded = true;
			} catch (err) {
				this.logger.debug("Could not load revoked sessions:", (err as Error).message);
			}
		},

		beforeCall(ctx: Context<unknown, { idempotencyKey?: string; clientIp?: string }>, _route: unknown, req: Req) {
			// The address the rate limits counted (login throttling is per account and address).
			ctx.meta.clientIp = req.$rateLimitKey ?? clientIp(req, this.cfg.trustProxyHops);
			const key = idempotencyKeyFrom(req.headers["idempotency-key"]);
			if (key === null) throw invalidField("Idempotency-Key", "must be 1 to 255 printable ASCII characters", "header");
			if (key) ctx.meta.idempotencyKey = key;
			const action = req.$action;
			if (action?.cache && req.method === "GET") req.$cacheGeneration = this.responseCache.generation(serviceOf(action.name));
		},

		/**
		 * Cacheable public GETs get an ETag and a copy in the response cache; any answer with an ETag
		 * is a 304 when If-None-Match matches it (whatever the request's Cache-Control says: the
		 * gateway is the origin here, and the cache it keeps is cleaned on every write).
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
			const store: RateLimitStore = this.userLimit;
			const count = await store.inc(claims.sub);
			if (count > this.cfg.rateLimitUserMax) {
				const retryAfter = retryAfterSeconds(store, claims.sub, this.cfg.rateLimitWindowMs);
				throw new ApiGateway.Errors.RateLimitExceeded("TOO_MANY_REQUESTS", { retryAfter });
			}
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

	async started() {
		this.revokedSessionsLoaded = false;
		void this.loadRevokedSessions();
		// Limits hold from the first request: wait (briefly) until Redis counts, when it is the store.
		await Promise.all(this.rateLimitStores().map((s: RateLimitStore) => s.ready(3000)));
	},

	async stopped() {
		await this.drain();
		await this.webApps.close();
		await Promise.all(this.rateLimitStores().map((s: RateLimitStore) => s.close().catch(() => undefined)));
	}
};

/**
 * Drains the gateways of this broker before it stops any service (the broker calls middleware
 * `stopping` hooks first, then stops every service at once): otherwise new requests would still
 * arrive while the services behind them shut down.
 */
function registerDrainHook(broker: ServiceBroker) {
	const b = broker as ServiceBroker & { $gatewayDrain?: boolean; middlewares: { add(mw: unknown): void } };
	if (b.$gatewayDrain) return;
	b.$gatewayDrain = true;
	b.middlewares.add({
		name: "GatewayDrain",
		stopping: () =>
			Promise.all(
				(broker.services as unknown as Array<{ drain?: () => Promise<void> }>)
					.filter(s => typeof s.drain === "function")
					.map(s => s.drain!())
			)
	});
}

export default ApiService;
