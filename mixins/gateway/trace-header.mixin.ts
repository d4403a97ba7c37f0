/**
 * The trace of an API request beside its request id: when tracing is on, every answer of the
 * gateway's request handler carries a `traceparent` header (W3C Trace Context) naming the gateway's
 * span, next to X-Request-Id, so a caller can look the request up in the tracing backend. Without
 * tracing the hook is not even installed: no per-request work.
 */
import type { Context, Service, ServiceSchema } from "moleculer";
import { traceparentOf } from "../../lib/tracing/origin";
import type { GatewayMixin, Res } from "./http";

/** Runs inside moleculer-web's handler of every request, so inside its span. */
function setTraceHeader(ctx: Context<{ res: Res }>) {
	if (ctx.span) ctx.params.res.setHeader("traceparent", traceparentOf(ctx.span));
}

// `merged` (run on the final schema, before the actions are wrapped) is not in Moleculer's schema types.
export const TraceHeaderMixin = {
	merged(this: Service, schema: ServiceSchema) {
		if (!this.broker.isTracingEnabled()) return;
		const hooks = (schema.hooks ??= {});
		const before = (hooks.before ??= {});
		before.rest = [...([] as unknown[]).concat(before.rest ?? []), setTraceHeader] as NonNullable<typeof before.rest>;
	}
} as unknown as GatewayMixin;
