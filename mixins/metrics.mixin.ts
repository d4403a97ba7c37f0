/**
 * Gives a service the business metrics its specs declare (lib/metrics/):
 *
 *   mixins: [MetricsMixin(orderMetrics(), brokerMetrics()), DbMixin(...), ...]
 *
 * It registers their metrics, records the domain events they count as they pass on the bus (an
 * event handler in the service's own group, so one node of the service counts each event; nothing
 * runs on the request path), and refreshes their readings every METRICS_POLL_INTERVAL_MS, first
 * right after start. Polls never overlap; a failed one is counted in
 * `shop_metrics_poll_failures_total{service}` and logged once until a poll works again. Where
 * metrics are off, it does nothing.
 *
 * List it before DbMixin: Moleculer runs the mixins' `started` from the last listed to the first
 * and their `stopped` from the first to the last, so polls start once the stores are open and the
 * poll under way ends before they close.
 */
import type { Context, Service, ServiceSchema } from "moleculer";
import type { DomainEvent } from "../lib/events";
import { metricsSettings } from "../lib/metrics/settings";
import type { Labels, MetricDefinition, MetricSink, MetricsSpec, Poller } from "../lib/metrics/spec";
import type { AnyServiceSchema, MixinSchema } from "../types/service-schema";

export const POLL_FAILURES = "shop.metrics.poll.failures.total";

interface MetricsState {
	metricsPollers: Poller[];
	metricsTimer?: NodeJS.Timeout;
	metricsPoll?: Promise<void>;
	metricsFailing: boolean;
}

function sinkOf(service: Service): MetricSink {
	const m = service.broker.metrics;
	return {
		increment: (name: string, labels?: Labels, value?: number) => m.increment(name, labels, value),
		set: (name: string, value: number, labels?: Labels) => m.set(name, value, labels),
		observe: (name: string, value: number, labels?: Labels) => m.observe(name, value, labels)
	};
}

export function MetricsMixin<S = Service>(...specs: MetricsSpec<S>[]): Partial<AnyServiceSchema> {
	type Self = Service & S & MetricsState;

	async function pollAll(this: Self): Promise<void> {
		const failed = (await Promise.allSettled(this.metricsPollers.map(p => p.poll()))).filter(r => r.status === "rejected");
		if (failed.length) {
			this.broker.metrics.increment(POLL_FAILURES, { service: this.name }, failed.length);
			const reason = ((failed[0] as PromiseRejectedResult).reason as Error)?.message;
			if (!this.metricsFailing) this.logger.warn(`Reading the business metrics failed (${reason}); retrying every interval`);
			else this.logger.debug(`Reading the business metrics failed again: ${reason}`);
			this.metricsFailing = true;
		} else if (this.metricsFailing) {
			this.metricsFailing = false;
			this.logger.info("Reading the business metrics works again");
		}
	}

	const events: NonNullable<ServiceSchema["events"]> = {};
	for (const type of new Set(specs.flatMap(s => Object.keys(s.events ?? {})))) {
		const recorders = specs.flatMap(s => (s.events?.[type] ? [s.events[type]] : []));
		events[type] = {
			handler(this: Self, ctx: Context<DomainEvent<unknown>>) {
				if (!this.broker.isMetricsEnabled() || !ctx.params) return;
				const sink = sinkOf(this);
				for (const record of recorders) {
					try {
						record(ctx.params, sink);
					} catch (err) {
						this.logger.debug(`Recording ${type} in the metrics failed: ${(err as Error).message}`);
					}
				}
			}
		};
	}

	const schema: MixinSchema<Self> = {
		events,

		created(this: Self) {
			this.metricsPollers = [];
			this.metricsFailing = false;
			if (!this.broker.isMetricsEnabled()) return;
			const registry = this.broker.metrics;
			// Services of one node share its registry: a metric registered again would lose its values.
			const defs: MetricDefinition[] = [
				...specs.flatMap(s => s.metrics),
				{ type: "counter", name: POLL_FAILURES, labelNames: ["service"], description: "Failed readings of the business metrics" }
			];
			// Moleculer's option types are a union per metric type; a definition is one of them.
			for (const def of defs)
				if (!registry.getMetric(def.name)) registry.register({ ...def } as Parameters<typeof registry.register>[0]);
		},

		started(this: Self) {
			const { pollIntervalMs } = metricsSettings();
			if (!this.broker.isMetricsEnabled() || !pollIntervalMs) return;
			const sink = sinkOf(this);
			this.metricsPollers = specs.flatMap(s => s.poller?.(this, sink) ?? []);
			if (!this.metricsPollers.length) return;
			const tick = () => {
				if (this.metricsPoll) return;
				this.metricsPoll = pollAll.call(this).finally(() => (this.metricsPoll = undefined));
			};
			tick();
			this.metricsTimer = setInterval(tick, pollIntervalMs);
			this.metricsTimer.unref();
		},

		async stopped(this: Self) {
			clearInterval(this.metricsTimer);
			await this.metricsPoll;
			await Promise.all(this.metricsPollers.map(p => p.close?.()));
		}
	};
	return schema;
}
