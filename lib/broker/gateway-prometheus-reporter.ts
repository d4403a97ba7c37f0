/**
 * Moleculer's Prometheus reporter without its own HTTP server: the gateway serves the text at
 * /metrics. With METRICS_PORT set, nodes without a gateway still expose it on that port.
 *
 * Without host details (lib/broker/metrics-privacy.ts): no string-valued info metric (host name,
 * OS user, home directory, addresses, MACs, process arguments, versions), host names masked in
 * node-ID labels. With a token (METRICS_TOKEN), the METRICS_PORT server asks for it too.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { MetricTypes } from "moleculer";
import { PrometheusReporterBase, registeredMetrics } from "./moleculer-internals";
import { NODE_ID_LABELS, isExportable, knownHostnames, maskHostnames, metricsTokenMatches } from "./metrics-privacy";

export interface GatewayReporterOptions {
	port: number;
	path: string;
	/** When set, the METRICS_PORT server answers only `Authorization: Bearer <token>`. */
	token?: string | null;
}

export class GatewayPrometheusReporter extends PrometheusReporterBase {
	/** Host names masked in node-ID labels, refreshed at every scrape (nodes come and go). */
	private hostnames: string[] = knownHostnames();

	constructor(opts: GatewayReporterOptions) {
		super(opts);
	}

	matchMetricName(name: string): boolean {
		return super.matchMetricName(name) && isExportable(this.registry.getMetric(name));
	}

	labelsToStr(itemLabels?: Record<string, unknown>, extraLabels?: Record<string, unknown>): string {
		const labels: Record<string, unknown> = { ...this.defaultLabels, ...itemLabels, ...extraLabels };
		for (const key of Object.keys(labels))
			if (NODE_ID_LABELS.has(key) && typeof labels[key] === "string") labels[key] = maskHostnames(labels[key], this.hostnames);
		return super.labelsToStr(labels);
	}

	/** The METRICS_PORT server's requests: the token first, when there is one. */
	handler(req: IncomingMessage, res: ServerResponse) {
		if (this.opts.token && !metricsTokenMatches(req.headers.authorization, this.opts.token)) {
			res.writeHead(401, { "WWW-Authenticate": 'Bearer realm="metrics"', "Content-Type": "text/plain; charset=utf-8" });
			return void res.end("Unauthorized");
		}
		return super.handler(req, res);
	}

	// eslint-disable-next-line @typescript-eslint/no-explicit-any
	init(registry: any) {
		if (this.opts.port) return super.init(registry);
		this.registry = registry;
		this.broker = registry.broker;
		this.logger = registry.logger;
		this.defaultLabels =
			typeof this.opts.defaultLabels === "function" ? this.opts.defaultLabels.call(this, registry) : this.opts.defaultLabels;
	}

	stop() {
		return this.server ? super.stop() : Promise.resolve();
	}

	/**
	 * Moleculer writes a histogram's `_sum` and `_count` only when it also keeps client-side
	 * quantiles, which the request and event time histograms do not (lean-metrics.middleware.ts);
	 * without them averages and rates of a histogram cannot be computed. Added here to each
	 * histogram's group.
	 */
	generatePrometheusResponse(): string {
		this.hostnames = knownHostnames(this.broker?.registry?.nodes?.toArray?.() ?? []);
		const lines: string[] = super.generatePrometheusResponse().split("\n");
		for (const metric of registeredMetrics(this.registry)) {
			if (!(metric instanceof MetricTypes.Histogram) || metric.quantiles) continue;
			const name = this.formatMetricName(metric.name).replace(/[.-]/g, "_");
			const at = lines.indexOf(`# TYPE ${name} histogram`);
			if (at < 0) continue;
			const totals = metric.snapshot().flatMap(item => {
				const labels = this.labelsToStr(item.labels);
				return [`${name}_sum${labels} ${item.sum}`, `${name}_count${labels} ${item.count}`];
			});
			const end = lines.indexOf("", at);
			lines.splice(end < 0 ? lines.length : end, 0, ...totals);
		}
		return lines.join("\n");
	}
}

/** The Prometheus text of this node's metrics, or null when metrics are off. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function prometheusText(broker: any): string | null {
	// eslint-disable-next-line @typescript-eslint/no-explicit-any
	const reporter = broker.metrics?.reporter?.find((r: any) => typeof r.generatePrometheusResponse === "function");
	return reporter ? reporter.generatePrometheusResponse() : null;
}
