/**
 * The gateway's health endpoints (lib/gateway/health.ts): GET /health/live (the process answers),
 * /health/ready (this node's services and its configured brokers; 503 until ready) and /health
 * (every node, and the services no live node runs; 503 when one is missing).
 * From the rest of the gateway: `servedServiceNames` (api.service.ts), the services expected to run.
 */
import type { Context } from "moleculer";
import { clusterHealth, readiness } from "../../lib/gateway/health";
import type { GatewayMixin } from "./http";

export const HealthMixin: GatewayMixin = {
	actions: {
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
				const h = clusterHealth(this.broker, this.servedServiceNames());
				if (h.status !== "ok") ctx.meta.$statusCode = 503;
				return h;
			}
		}
	}
};
