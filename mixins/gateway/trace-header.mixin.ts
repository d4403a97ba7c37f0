/**
 * The trace of an API request beside its request id: when tracing is on, every answer of the
 * gateway's request handler carries a `traceparent` header (W3C Trace Context) naming the gateway's
 * span, next to X-Request-Id, so a caller can look the request up in the tracing backend. Without
 * tracing the handler has no span and no header is added.
 */
import type { Context } from "moleculer";
import { traceparentOf } from "../../lib/tracing/origin";
import type { GatewayMixin, Res } from "./http";

export const TraceHeaderMixin: GatewayMixin = {
	hooks: {
		before: {
			// moleculer-web's handler of every request, run inside its span.
			rest(ctx: Context<{ res: Res }>) {
				if (ctx.span) ctx.params.res.setHeader("traceparent", traceparentOf(ctx.span));
			}
		}
	}
};
