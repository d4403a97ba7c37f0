/**
 * The API gateway: every HTTP route of the system, JWT verified once here, role checks declared
 * on the actions (`auth`, `roles`) and enforced here, one error body for every failure.
 *
 * This file holds the pipeline around moleculer-web: the route table, security headers on every
 * answer, the web apps, an HTTP deadline, one error body, and a drain on shutdown (stop accepting,
 * finish what is in flight, then let the broker stop the services). Each other concern is a mixin
 * of mixins/gateway/: authentication and roles, rate limits, the response cache, the OpenAPI
 * document and /docs, health, metrics, and the extension point other services of this process
 * attach to (realtime's /ws).
 */
import type { Server } from "node:http";
import type { Context, ServiceSchema } from "moleculer";
import ApiGateway from "moleculer-web";
import { loadConfig, type Config } from "../lib/config";
import { invalidField } from "../lib/errors";
import { BODY_LIMIT_BYTES, bodyPolicy } from "../lib/gateway/body-policy";
import { answerClientErrorsWithJson, clientErrorBody } from "../lib/gateway/client-error";
import { COMPAT_ROUTES } from "../lib/gateway/compat-routes";
import { toErrorBody } from "../lib/gateway/error-body";
import { rateLimitOf, sendErrorUnlogged, takeOverRequests } from "../lib/gateway/moleculer-web-internals";
import type { DocumentedRoute } from "../lib/gateway/openapi";
import { clientIp, retryAfterSeconds } from "../lib/gateway/rate-limit";
import { idempotencyKeyFrom, requestIdFrom } from "../lib/gateway/request-id";
import { collectRoutes, sortRoutes, toAliases, type RouteEntry } from "../lib/gateway/route-table";
import { SecurityHeaders, type FlatHeaders } from "../lib/gateway/security-headers";
import { WebApps } from "../lib/gateway/web-apps";
import { webAppsSettings } from "../lib/gateway/web-apps-settings";
import { requestScope } from "../lib/request-context";
import { callerSpanOf } from "../lib/tracing/incoming";
import type { ParentSpan } from "../lib/tracing/origin";
import { AuthenticationMixin } from "../mixins/gateway/authentication.mixin";
import { ExtensionPointMixin } from "../mixins/gateway/extension-point.mixin";
import { HealthMixin } from "../mixins/gateway/health.mixin";
import { DOCS_PATHS, UNVERSIONED, V1, sendJson, type Req, type Res } from "../mixins/gateway/http";
import { MetricsEndpointMixin } from "../mixins/gateway/metrics-endpoint.mixin";
import { OpenApiDocsMixin } from "../mixins/gateway/openapi-docs.mixin";
import { RateLimitMixin } from "../mixins/gateway/rate-limit.mixin";
import { ResponseCacheMixin } from "../mixins/gateway/response-cache.mixin";
import { TraceHeaderMixin } from "../mixins/gateway/trace-header.mixin";
import { domainServices } from "./domain-services";

/** Actions under the stricter per-IP login limit (password guessing, sign-up spam, token grinding). */
const AUTH_ACTIONS = new Set(["users.register", "users.login", "users.refresh"]);

const config = () => loadConfig();

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const ApiService: ServiceSchema<Record<string, any>> = {
	name: "api",
	// Moleculer runs the mixins' created() and started() from the last to the first (moleculer-web's
	// first: it creates the server), and stopped() from the first to the last, this file's own hooks
	// around them: created() and started() after, stopped() before.
	mixins: [
		OpenApiDocsMixin,
		MetricsEndpointMixin,
		HealthMixin,
		ResponseCacheMixin,
		RateLimitMixin,
		TraceHeaderMixin,
		AuthenticationMixin,
		ExtensionPointMixin,
		ApiGateway
	],

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
						retryAfter ?? retryAfterSeconds(rateLimitOf(req.$route)?.store, req.$rateLimitKey, this.settings.rateLimitWindowMs)
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
		this.security = new SecurityHeaders({ hstsMaxAge: cfg.hstsMaxAge, trustProxyHops: cfg.trustProxyHops });
		// The storefront at /, the backoffice at /admin (lib/gateway/web-apps.ts).
		this.webApps = new WebApps(webAppsSettings());
		this.inFlight = new Set<Res>();
		this.draining = null;

		// What the gateway serves: every action's `rest` under /api/v1 and /api, plus the compatibility names under /api.
		const schemas = this.servedSchemas();
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

		const common = {
			mappingPolicy: "restrict",
			authentication: true,
			authorization: true,
			// JSON object bodies only, checked before authentication (lib/gateway/body-policy.ts).
			bodyParsers: false,
			use: [bodyPolicy({ limit: BODY_LIMIT_BYTES, logger: this.logger })],
			cors: cfg.corsOrigins.length
				? {
						origin: cfg.corsOrigins.includes("*") ? "*" : cfg.corsOrigins,
						methods: ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
						allowedHeaders: [
							"Authorization",
							"Content-Type",
							"Idempotency-Key",
							"X-Request-Id",
							"traceparent",
							"If-None-Match"
						],
						exposedHeaders: ["X-Request-Id", "traceparent", "Retry-After", "ETag", "Location"],
						credentials: !cfg.corsOrigins.includes("*"),
						maxAge: 600
					}
				: undefined,
			onBeforeCall: this.beforeCall,
			onAfterCall: this.afterCall,
			callOptions: {}
		};

		// moleculer-web built the placeholder route before this hook ran; replace it with ours. One route
		// per rate-limit group, all under /api ("/v1/..." and the unversioned names).
		this.removeRouteByName("placeholder");
		this.addRoute({
			...common,
			name: "auth",
			path: UNVERSIONED,
			aliases: aliasesOf(r => AUTH_ACTIONS.has(r.action)),
			rateLimit: this.routeRateLimit("auth", cfg.rateLimitLoginMax, cfg.rateLimitLoginWindowMs)
		});
		this.mainRoute = this.addRoute({
			...common,
			name: "api",
			path: UNVERSIONED,
			aliases: aliasesOf(r => !AUTH_ACTIONS.has(r.action)),
			rateLimit: this.routeRateLimit("ip", cfg.rateLimitMax, cfg.rateLimitWindowMs)
		});
		this.addDocsRoutes(this.routeRateLimit("docs", cfg.rateLimitMax, cfg.rateLimitWindowMs));
		const tracing = this.broker.isTracingEnabled();
		this.settings.rootCallOptions = (options: { requestID?: string; parentSpan?: ParentSpan }, req: Req) => {
			// Traced, a caller's traceparent (without an X-Request-Id of its own) is continued.
			const caller = tracing && !req.headers["x-request-id"] ? callerSpanOf(req.headers.traceparent) : undefined;
			if (caller) options.parentSpan = caller;
			options.requestID = caller?.traceID ?? requestIdFrom(req.headers["x-request-id"]);
		};

		// The document of exactly what is served: the same list the aliases above were made from.
		this.publishOpenApi(schemas, served);

		// Our listener in front of moleculer-web's (upgrade requests go through the extension point),
		// which passes requests on to moleculer-web's handler in its documented middleware form.
		const server = this.server as Server;
		this.moleculerWebHandler = this.express();
		takeOverRequests(server, (req: Req, res: Res) => this.handleHttp(req, res));
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
	},

	actions: {
		// An HTTP request must never be replayed by the broker's retry policy.
		rest: { retryPolicy: { enabled: false } },
		// moleculer-web's alias listing is not part of this API.
		listAliases: false
	},

	methods: {
		/** The schemas whose `rest` routes the gateway serves: its own and every domain service's. */
		servedSchemas(): Array<Pick<ServiceSchema, "name" | "actions">> {
			return [{ name: "api", actions: this.schema.actions }, ...Object.values(domainServices)];
		},

		servedServiceNames(): string[] {
			return (this.servedSchemas() as ServiceSchema[]).map(s => s.name);
		},

		/** Every HTTP request: security headers, the response cache, the deadline, then moleculer-web. */
		handleHttp(req: Req, res: Res) {
			// The web apps never serve under /api/: the API's requests skip their path checks.
			if (!req.url!.startsWith(`${UNVERSIONED}/`) && this.webApps.serve(req, res, this.security.for(req, false))) return;
			const docs = DOCS_PATHS.some(p => req.url!.startsWith(p));
			const security: FlatHeaders = this.security.for(req, docs);
			if (this.draining) res.shouldKeepAlive = false;
			if (!docs && (req.method === "GET" || req.method === "HEAD") && this.serveCached(req, res, security)) {
				// A cached answer is written before serveCached returns, unless the per-IP count is remote (Redis).
				if (!res.writableEnded) this.trackInFlight(res);
				return;
			}
			this.passOn(req, res, security);
		},

		/** The full pipeline (moleculer-web), under the HTTP deadline. */
		passOn(req: Req, res: Res, security: FlatHeaders) {
			for (let i = 0; i < security.length; i += 2) res.setHeader(security[i], security[i + 1]);
			res.setHeader("Cache-Control", "no-store");
			const timer = setTimeout(() => this.timedOut(req, res), this.cfg.httpTimeoutMs);
			this.trackInFlight(res, timer);
			void this.moleculerWebHandler(req, res);
		},

		/** A response a graceful stop waits for, until it closes (its deadline timer then cleared). */
		trackInFlight(res: Res, timer?: NodeJS.Timeout) {
			this.inFlight.add(res);
			res.once("close", () => {
				clearTimeout(timer);
				this.inFlight.delete(res);
			});
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
		errorHandler: sendErrorUnlogged,

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
				// Done when every HTTP request has been answered, or when every connection is gone; the
				// upgraded connections (realtime's WebSockets) are closed by their owners first.
				const poll = setInterval(() => this.inFlight.size === 0 && done(), 20);
				this.closeExtensions();
				server.close(done);
				for (const res of this.inFlight as Set<Res>) if (!res.headersSent) res.shouldKeepAlive = false;
				server.closeIdleConnections();
			});
			return this.draining;
		},

		beforeCall(ctx: Context<unknown, { idempotencyKey?: string; clientIp?: string }>, _route: unknown, req: Req) {
			// The address the rate limits counted (login throttling is per account and address).
			ctx.meta.clientIp = req.$rateLimitKey ?? clientIp(req, this.cfg.trustProxyHops);
			const key = idempotencyKeyFrom(req.headers["idempotency-key"]);
			if (key === null) throw invalidField("Idempotency-Key", "must be 1 to 255 printable ASCII characters", "header");
			if (key) ctx.meta.idempotencyKey = key;
			this.noteCacheGeneration(req);
		}
	},

	async stopped() {
		await this.drain();
		await this.webApps.close();
	}
};

export default ApiService;
