/**
 * Broker options, built from the environment: the same code runs as one process (no transporter)
 * or as one node per service (TRANSPORTER=nats://...), with Redis as cacher when REDIS_URL is set.
 */
import type { BrokerOptions } from "moleculer";
import { loadConfig, type Env } from "./lib/config";
import { StrictValidator } from "./lib/broker/strict-validator";
import { RequestScopeMiddleware } from "./lib/broker/request-scope.middleware";
import { ServiceDrainMiddleware } from "./lib/broker/service-drain.middleware";
import { EventLoopDelayMiddleware } from "./lib/broker/event-loop-delay.middleware";
import { LeanMetricsMiddleware } from "./lib/broker/lean-metrics.middleware";
import { logFormatter } from "./lib/broker/log-formatter";
import { GatewayPrometheusReporter } from "./lib/broker/gateway-prometheus-reporter";
import { logShippers } from "./lib/logs/shipper";
import { rediscoverOnStart } from "./lib/broker/rediscover";
import { transporterOptions } from "./lib/broker/transporter";
import { transporterSettings } from "./lib/broker/transporter-settings";
import { FailoverMiddleware } from "./lib/broker/failover.middleware";
import { internalMiddlewares } from "./lib/broker/moleculer-internals";
import { tracingOptions } from "./lib/tracing/options";

/**
 * Moleculer's internal middlewares in its own order, with the lighter metrics hooks in place of
 * "Metrics". Failover sits inside Retry, which sends again the idempotent calls whose node it finds dead.
 */
const INTERNAL_MIDDLEWARES = internalMiddlewares({
	Retry: [FailoverMiddleware, "Retry"],
	Metrics: [LeanMetricsMiddleware]
});

type BrokerMetricsReporter = NonNullable<Exclude<BrokerOptions["metrics"], boolean | undefined>>["reporter"];

export function brokerOptions(env: Env = process.env): BrokerOptions {
	const config = loadConfig(env);
	// Off unless OTEL_EXPORTER_OTLP_ENDPOINT is set (lib/tracing/).
	const tracing = tracingOptions(env);
	return {
		namespace: config.namespace,
		nodeID: config.nodeID,
		// With TRANSPORTER_USER/_PASSWORD/_TOKEN/_TLS*, the NATS or Redis options that carry them.
		transporter: transporterOptions(config.transporter, transporterSettings(env)),
		serializer: "JSON",
		cacher: config.redisUrl
			? {
					type: "Redis",
					options: {
						prefix: `${config.namespace || "shop"}-cache`,
						ttl: 300,
						// Handed to ioredis, which takes a URL; Moleculer's type knows only an options object.
						redis: config.redisUrl as unknown as Record<string, unknown>
					}
				}
			: // Cloned, so a caller that changes a cached result cannot corrupt the cache.
				{ type: "Memory", options: { ttl: 300, maxParamsLength: 200, clone: true } },
		logger: [
			{
				type: "Console",
				options: {
					level: config.logLevel,
					colors: false,
					formatter: logFormatter(config.logFormat, tracing.enabled === true)
				}
			},
			// Ships records (LOG_SHIP_LEVEL, info by default) to the logs service over the bus.
			...logShippers(env)
		] as BrokerOptions["logger"],
		logLevel: config.logLevel as BrokerOptions["logLevel"],
		requestTimeout: config.requestTimeoutMs,
		retryPolicy: {
			enabled: true,
			retries: 3,
			delay: 100,
			maxDelay: 1000,
			factor: 2,
			// Only failures where the request never reached a handler are retried, so nothing runs twice.
			// A handler's own errors, nested calls' included, are marked `retryable: false` by RequestScopeMiddleware.
			check: (err: Error) =>
				(err as { retryable?: boolean }).retryable !== false &&
				["ServiceNotFoundError", "ServiceNotAvailableError", "BrokerDisconnectedError"].includes(err.name)
		},
		circuitBreaker: {
			enabled: true,
			threshold: 0.5,
			minRequestCount: 20,
			windowTime: 60,
			halfOpenTime: 10_000,
			check: (err: Error) => ((err as { code?: number }).code ?? 500) >= 500
		},
		contextParamsCloning: false,
		heartbeatInterval: 5,
		heartbeatTimeout: 15,
		tracking: { enabled: true, shutdownTimeout: 10_000 },
		disableBalancer: false,
		registry: { strategy: "RoundRobin", preferLocal: true },
		metrics: {
			enabled: true,
			// Moleculer takes a reporter instance; its types know only option objects.
			reporter: new GatewayPrometheusReporter({
				port: config.metricsPort ?? 0,
				path: "/metrics",
				token: config.metricsToken
			}) as unknown as BrokerMetricsReporter
		},
		tracing,
		validator: new StrictValidator(),
		// Listed here rather than added by Moleculer, so that "Metrics" can be the lighter hooks.
		internalMiddlewares: false,
		// BrokerOptions' type knows only objects and names, though Moleculer takes functions too (MiddlewareHandler.add).
		middlewares: [
			RequestScopeMiddleware,
			ServiceDrainMiddleware,
			EventLoopDelayMiddleware(),
			...INTERNAL_MIDDLEWARES
		] as BrokerOptions["middlewares"],
		started: rediscoverOnStart
	};
}

export default brokerOptions();
