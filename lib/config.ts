/**
 * The platform's settings (node, transport, storage, gateway, accounts, retention, outbox), read
 * from the environment at call time (tests and the runner change it before brokers are created).
 * A domain's own tunables are in its lib/<domain>/settings.ts; every settings module reads through
 * lib/env.ts's readers or these.
 */
import path from "node:path";
import { numberSetting, type Env } from "./env";

export type { Env } from "./env";

function int(value: string | undefined, fallback: number): number {
	if (value === undefined || value === "") return fallback;
	const n = Number(value);
	if (!Number.isFinite(n)) throw new Error(`Invalid number in configuration: "${value}"`);
	return n;
}

function list(value: string | undefined): string[] {
	return (value ?? "")
		.split(",")
		.map(s => s.trim())
		.filter(Boolean);
}

/** Parses "15m", "7d", "3600" (seconds) into seconds. */
export function parseDuration(value: string | undefined, fallbackSeconds: number): number {
	if (!value) return fallbackSeconds;
	const m = /^(\d+)\s*([smhd]?)$/.exec(value.trim());
	if (!m) throw new Error(`Invalid duration in configuration: "${value}"`);
	const n = Number(m[1]);
	const unit = { "": 1, s: 1, m: 60, h: 3600, d: 86400 }[m[2] as "" | "s" | "m" | "h" | "d"];
	return n * unit;
}

export function loadConfig(env: Env = process.env) {
	const nodeEnv = env.NODE_ENV ?? "development";
	return {
		nodeEnv,
		isProduction: nodeEnv === "production",
		port: int(env.PORT, 3000),
		host: env.HOST ?? "0.0.0.0",
		transporter: env.TRANSPORTER || null,
		services: list(env.SERVICES),
		nodeID: env.NODE_ID || undefined,
		namespace: env.NAMESPACE ?? "",
		logLevel: env.LOG_LEVEL ?? (nodeEnv === "test" ? "warn" : "info"),
		logFormat: env.LOG_FORMAT ?? (nodeEnv === "production" ? "json" : "text"),
		dataDir: path.resolve(env.DATA_DIR ?? "./data"),
		dbUri: env.DB_URI || null,
		redisUrl: env.REDIS_URL || null,
		amqpUrl: env.AMQP_URL || null,
		kafkaBrokers: list(env.KAFKA_BROKERS),
		smtpUrl: env.SMTP_URL || null,
		mailFrom: env.MAIL_FROM ?? "shop@localhost",
		adminEmail: env.ADMIN_EMAIL ?? "admin@example.com",
		adminPassword: env.ADMIN_PASSWORD || null,
		jwtSecret: env.JWT_SECRET || null,
		jwtAccessTtl: parseDuration(env.JWT_ACCESS_TTL, 15 * 60),
		jwtRefreshTtl: parseDuration(env.JWT_REFRESH_TTL, 7 * 86400),
		/** Seconds after its spending in which a spent refresh token whose successor is unused gets a new pair (0: never). */
		refreshReuseGraceSeconds: numberSetting(env, "REFRESH_REUSE_GRACE_SECONDS", 30),
		corsOrigins: list(env.CORS_ORIGINS),
		rateLimitWindowMs: int(env.RATE_LIMIT_WINDOW_MS, 60_000),
		rateLimitMax: int(env.RATE_LIMIT_MAX, 600),
		/** Requests per signed-in user per window, on top of the per-IP limit (default: RATE_LIMIT_MAX). */
		rateLimitUserMax: int(env.RATE_LIMIT_USER_MAX, int(env.RATE_LIMIT_MAX, 600)),
		/** Register, login and refresh: requests per client IP per login window. */
		rateLimitLoginMax: int(env.RATE_LIMIT_LOGIN_MAX, 20),
		rateLimitLoginWindowMs: int(env.RATE_LIMIT_LOGIN_WINDOW_MS, 60_000),
		/** Proxies in front of the gateway whose X-Forwarded-For / X-Forwarded-Proto are trusted (0: none). */
		trustProxyHops: int(env.TRUST_PROXY, 0),
		hstsMaxAge: int(env.HSTS_MAX_AGE, 31_536_000),
		httpTimeoutMs: int(env.HTTP_TIMEOUT_MS, 30_000),
		shutdownTimeoutMs: int(env.SHUTDOWN_TIMEOUT_MS, 10_000),
		responseCacheTtlMs: int(env.RESPONSE_CACHE_TTL_MS, 10_000),
		/** Failed logins of one account from one client address before its first lock (0: no throttling). */
		loginMaxFailures: int(env.LOGIN_MAX_FAILURES, 5),
		/** The longest lock of an (account, address) pair; also how long its failures are remembered. */
		loginLockMs: int(env.LOGIN_LOCK_MS, 15 * 60_000),
		/** The first lock; every further failure doubles it, up to LOGIN_LOCK_MS. */
		loginDelayMs: int(env.LOGIN_DELAY_MS, 1000),
		/** When set, GET /metrics (gateway and METRICS_PORT) needs `Authorization: Bearer <METRICS_TOKEN>`. */
		metricsToken: env.METRICS_TOKEN || null,
		/** Open WebSockets per client address, and per signed-in user (0: no cap). */
		wsMaxPerAddress: int(env.WS_MAX_PER_ADDRESS, 50),
		wsMaxPerUser: int(env.WS_MAX_PER_USER, 10),
		requestTimeoutMs: int(env.REQUEST_TIMEOUT_MS, 10_000),
		dbConnectTimeoutMs: int(env.DB_CONNECT_TIMEOUT_MS, 5_000),
		/** Connections a node keeps at most per PostgreSQL database (the services of a node on one URI share them). */
		dbPoolMax: Math.floor(numberSetting(env, "DB_POOL_MAX", 20, 1)),
		metricsPort: env.METRICS_PORT ? int(env.METRICS_PORT, 3030) : null,
		/** The outbox relay (lib/outbox): how often it looks for events to (re)deliver. */
		outboxPollMs: int(env.OUTBOX_POLL_MS, 1_000),
		/** How long an event waits for the node that recorded it before another relay delivers it. */
		outboxLeaseMs: int(env.OUTBOX_LEASE_MS, 10_000),
		/** The longest wait between two delivery attempts of one event (the backoff doubles up to it). */
		outboxRetryMaxMs: int(env.OUTBOX_RETRY_MAX_MS, 60_000),
		/**
		 * How long a turn of the event loop starts deliveries right after their commit before requests
		 * get in, while none has waited long (lib/outbox/relay-lane.ts); 0 starts each at once. 0 by
		 * default when RabbitMQ carries the order flow: its prefetch paces the steps, and holding each
		 * publish back made the flow slower (docs/performance.md).
		 */
		outboxRelayTurnMs: numberSetting(env, "OUTBOX_RELAY_TURN_MS", env.AMQP_URL ? 0 : 1, 0),
		/** The wait in that lane at which its turns have grown to ten times OUTBOX_RELAY_TURN_MS (they grow in proportion). */
		outboxRelayLagMs: numberSetting(env, "OUTBOX_RELAY_LAG_MS", 500, 1),
		/** How often inventory audits reserved stock against live reservations (0: never by itself). */
		stockAuditIntervalMs: int(env.STOCK_AUDIT_INTERVAL_MS, 600_000),
		/**
		 * Retention (lib/retention): every record or file that grows with time is removed (or emptied)
		 * once older than its RETENTION_*_DAYS; 0 keeps it for ever. Each service sweeps its own rules
		 * every RETENTION_SWEEP_MS and once shortly after start (0: never by itself).
		 */
		retentionSweepMs: numberSetting(env, "RETENTION_SWEEP_MS", 3_600_000, 0),
		/** Records read and removed per step of a sweep, so a sweep never holds the event loop long. */
		retentionBatchSize: Math.floor(numberSetting(env, "RETENTION_BATCH_SIZE", 500, 1)),
		/** Body and HTML of sent notifications, counted from sending. */
		retentionNotificationBodyDays: numberSetting(env, "RETENTION_NOTIFICATION_BODY_DAYS", 30, 0),
		/** Sent and failed notification records, counted from creation (pending ones are never removed). */
		retentionNotificationDays: numberSetting(env, "RETENTION_NOTIFICATION_DAYS", 180, 0),
		/** The day files DATA_DIR/mail/<UTC day>.mbox written without SMTP_URL. */
		retentionMailDays: numberSetting(env, "RETENTION_MAIL_DAYS", 14, 0),
		/** Ended sessions (refresh tokens expired or revoked), counted from the end; never less than JWT_ACCESS_TTL. */
		retentionSessionDays: numberSetting(env, "RETENTION_SESSION_DAYS", 7, 0),
		/** The ids of handled events (lib/outbox/inbox.ts), counted from handling: longer than any redelivery. */
		retentionHandledEventsDays: numberSetting(env, "RETENTION_HANDLED_EVENTS_DAYS", 7, 0)
	};
}

export type Config = ReturnType<typeof loadConfig>;

/** The database URI of one service: `<SERVICE>_DB_URI`, else `DB_URI`, else null (embedded store). */
export function serviceDbUri(service: string, env: Env = process.env): string | null {
	return env[`${service.toUpperCase()}_DB_URI`] || env.DB_URI || null;
}
