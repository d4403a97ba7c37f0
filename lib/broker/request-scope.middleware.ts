/**
 * Runs every local action and event handler inside the request scope of its context, and marks
 * errors thrown by an action's handler as not retryable (see the retry policy in moleculer.config.ts).
 */
import type { Context, Middleware } from "moleculer";
import { requestScope } from "../request-context";

type Handler = (ctx: Context) => unknown;

export const RequestScopeMiddleware: Middleware = {
	name: "RequestScope",
	localAction(next: Handler) {
		return (ctx: Context) =>
			requestScope.run({ requestId: ctx.requestID ?? undefined }, async () => {
				try {
					return await next(ctx);
				} catch (err) {
					// The handler ran: even a ServiceNotFoundError from a nested call must not make the
					// retry policy run this action again (retryable travels with the error to the caller).
					if (err && typeof err === "object") (err as { retryable?: boolean }).retryable = false;
					throw err;
				}
			});
	},
	localEvent(next: Handler) {
		return (ctx: Context) => requestScope.run({ requestId: ctx.requestID ?? undefined }, () => next(ctx));
	}
} as unknown as Middleware;
