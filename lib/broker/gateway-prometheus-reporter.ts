/**
 * Moleculer's Prometheus reporter without its own HTTP server: the gateway serves the text at
 * /metrics. With METRICS_PORT set, nodes without a gateway still expose it on that port.
 */
import { MetricReporters } from "moleculer";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const Base = MetricReporters.Prometheus as any;

export class GatewayPrometheusReporter extends Base {
	constructor(opts: { port: number; path: string }) {
		super(opts);
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
		const lines: string[] = super.generatePrometheusResponse().split("\n");
		for (const metric of this.registry.store.values() as Iterable<HistogramMetric>) {
			if (metric.type !== "histogram" || metric.quantiles) continue;
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

interface HistogramMetric {
	name: string;
	type: string;
	quantiles?: number[];
	snapshot(): Array<{ labels: Record<string, unknown>; sum: number; count: number }>;
}

/** The Prometheus text of this node's metrics, or null when metrics are off. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function prometheusText(broker: any): string | null {
	// eslint-disable-next-line @typescript-eslint/no-explicit-any
	const reporter = broker.metrics?.reporter?.find((r: any) => typeof r.generatePrometheusResponse === "function");
	return reporter ? reporter.generatePrometheusResponse() : null;
}
