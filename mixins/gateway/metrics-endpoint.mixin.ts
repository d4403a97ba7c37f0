/**
 * GET /metrics: this node's Prometheus text (lib/broker/gateway-prometheus-reporter.ts), without
 * host details; authentication.mixin.ts asks for METRICS_TOKEN when one is set.
 */
import type { Context } from "moleculer";
import { prometheusText } from "../../lib/broker/gateway-prometheus-reporter";
import { NotFoundError } from "../../lib/errors";
import type { GatewayMixin } from "./http";

export const MetricsEndpointMixin: GatewayMixin = {
	actions: {
		metrics: {
			rest: "GET /metrics",
			auth: "public",
			summary: "Prometheus metrics of this node, without host details; needs Bearer METRICS_TOKEN when that is set",
			produces: "text/plain",
			handler(ctx: Context<unknown, { $responseType?: string; $statusCode?: number }>) {
				const text = prometheusText(this.broker);
				if (text === null) throw new NotFoundError("Metrics");
				ctx.meta.$responseType = "text/plain; version=0.0.4; charset=utf-8";
				return text;
			}
		}
	}
};
