/**
 * Every use of Moleculer's internals, in one place. Each function says which internal of
 * moleculer 0.15.2 (pinned exactly in package.json) it relies on and why no public API does it.
 * On an upgrade, re-check this file: test/unit/library-internals.test.ts fails first, naming the
 * assumption that broke.
 */
import { INTERNAL_MIDDLEWARES, MetricReporters, Middlewares, type Middleware, type MetricRegistry, type ServiceBroker } from "moleculer";

/** A middleware as the broker options take it: a built-in's name, an object, or a factory Moleculer calls with the broker. */
export type MiddlewareEntry = string | Middleware | ((broker: ServiceBroker) => Middleware);

/**
 * Moleculer's own Metrics middleware (src/middlewares/metrics.js): the lean hooks keep its
 * registrations and its emit/transit hooks. The `Middlewares` export is missing from Moleculer's
 * type declarations (types/moleculer-runtime.d.ts).
 */
export function builtinMetricsMiddleware(broker: ServiceBroker): Middleware & { created(): void } {
	return Middlewares.Metrics(broker);
}

/** Takes a metric out of the registry: MetricRegistry has no method for it, so its `store` Map is edited. */
export function dropMetric(registry: MetricRegistry, name: string): void {
	registry.store.delete(name);
}

/**
 * Makes a metric hash each labels object once. Every update of a counter, gauge or histogram keys
 * its value by a string built from every label (BaseMetric.hashingLabels, src/metrics/types/base.js;
 * twice per counter increment, through get and set): about a kilobyte of strings per update, 4 % of
 * what an order allocated. For labels objects that the caller keeps and never changes (the lean
 * hooks' cached ones) a WeakMap remembers the string; the metric types do not declare the method.
 */
export function hashLabelsOnce(metric: NonNullable<ReturnType<MetricRegistry["getMetric"]>>): void {
	const hashed = metric as unknown as { hashingLabels(labels: unknown): string };
	const hash = hashed.hashingLabels.bind(metric);
	const known = new WeakMap<object, string>();
	hashed.hashingLabels = labels => {
		if (labels === null || typeof labels !== "object") return hash(labels);
		let key = known.get(labels);
		if (key === undefined) known.set(labels, (key = hash(labels)));
		return key;
	};
}

/** Every metric registered: MetricRegistry lists them only filtered and as snapshots, so its `store` Map is read. */
export function registeredMetrics(registry: MetricRegistry): ReturnType<MetricRegistry["store"]["values"]> {
	return registry.store.values();
}

/**
 * Moleculer's internal middlewares in its own order (its INTERNAL_MIDDLEWARES export), each name
 * `swap` has replaced by what it gives. With `internalMiddlewares: false` Moleculer adds none of
 * them (ServiceBroker.registerMiddlewares), so the options list them: the only way to put another
 * middleware in the place of a built-in one. A name Moleculer no longer has is an error, not a
 * silent no-op.
 */
export function internalMiddlewares(swap: Record<string, MiddlewareEntry[]>): MiddlewareEntry[] {
	for (const name of Object.keys(swap))
		if (!INTERNAL_MIDDLEWARES.includes(name))
			throw new Error(
				`Moleculer has no internal middleware "${name}" (${INTERNAL_MIDDLEWARES.join(", ")}): see lib/broker/moleculer-internals.ts`
			);
	return INTERNAL_MIDDLEWARES.flatMap(name => swap[name] ?? [name]);
}

/**
 * The options' middlewares with hot reload last, where Moleculer puts it: it adds "HotReload" only
 * along with its internal middlewares (ServiceBroker.registerMiddlewares), which the options list themselves.
 */
export function withHotReload<M>(middlewares: M[]): Array<M | "HotReload"> {
	return [...middlewares, "HotReload"];
}

/**
 * Moleculer's Prometheus reporter (src/metrics/reporters/prometheus.js), to be extended. Its
 * subclass (gateway-prometheus-reporter.ts) overrides `init` (which starts an HTTP server; MetricBaseReporter.init
 * only keeps the registry, broker and logger), `stop`, `handler`, `matchMetricName`, `labelsToStr`
 * and `generatePrometheusResponse`, and reads `formatMetricName`, `server`, `opts` and
 * `defaultLabels`: none of them is in Moleculer's type declarations.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const PrometheusReporterBase = MetricReporters.Prometheus as any;
