/**
 * The gateway's part of tracing, installed only when tracing is on (no per-request work otherwise):
 * - every answer of moleculer-web's request handler carries a `traceparent` header (W3C Trace
 *   Context) naming the gateway's span, next to X-Request-Id, so a caller can look the request up;
 * - that span is named by method and route, ids as `:id` and without the query string (moleculer-web
 *   names it by the full URL, whose query may hold an email address or a search, and whose ids make
 *   every request a name of its own).
 */
import type { Context } from "moleculer";
import { traceparentOf } from "../../lib/tracing/origin";
import type { GatewayMixin, Req, Res } from "./http";

const ID_SEGMENT = /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{16,}|\d+)$/i;

/** "/api/v1/orders/0f8fad5b-...?page=2" -> "/api/v1/orders/:id". */
export function routeOf(url: string): string {
	return url
		.split("?")[0]!
		.split("/")
		.map(segment => (ID_SEGMENT.test(segment) ? ":id" : segment))
		.join("/");
}

type RestCtx = Context<{ req: Req; res: Res }>;

/** What the span is named and tagged by (Moleculer hands its tracing options a plain Context). */
function request(ctx: Context): { method: string; route: string } {
	const { req } = (ctx as RestCtx).params;
	// moleculer-web strips the route's prefix from req.url while it handles the request.
	return { method: req.method ?? "", route: routeOf(req.originalUrl ?? req.url ?? "") };
}

/** Runs inside moleculer-web's handler of every request, so inside its span. */
function setTraceHeader(ctx: RestCtx) {
	if (ctx.span) ctx.params.res.setHeader("traceparent", traceparentOf(ctx.span));
}

// `merged` runs on the final schema, before the actions are wrapped (types/moleculer-runtime.d.ts).
export const TraceHeaderMixin: GatewayMixin = {
	merged(schema) {
		if (!this.broker.isTracingEnabled()) return;
		const rest = schema.actions?.rest;
		if (rest && typeof rest === "object")
			rest.tracing = {
				spanName: (ctx: Context) => `${request(ctx).method} ${request(ctx).route}`,
				tags: (ctx: Context) => ({ http: request(ctx) })
			};
		const hooks = (schema.hooks ??= {});
		const before = (hooks.before ??= {});
		before.rest = [...([] as unknown[]).concat(before.rest ?? []), setTraceHeader] as NonNullable<typeof before.rest>;
	}
};
