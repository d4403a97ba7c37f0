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
}

/** The Prometheus text of this node's metrics, or null when metrics are off. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function prometheusText(broker: any): string | null {
	// eslint-disable-next-line @typescript-eslint/no-explicit-any
	const reporter = broker.metrics?.reporter?.find((r: any) => typeof r.generatePrometheusResponse === "function");
	return reporter ? reporter.generatePrometheusResponse() : null;
}
