/**
 * Runs every local action and event handler inside the request scope of its context, and marks
 * errors thrown by an action's handler as not retryable (see the retry policy in moleculer.config.ts).
 */
import type { Context, EventSchema, Middleware } from "moleculer";
import { requestScope } from "../request-context";

/** The inner handler of a local action. */
type Handler = (ctx: Context) => Promise<unknown>;
type EventHandler = NonNullable<EventSchema["handler"]>;

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
	localEvent(next: EventHandler): EventHandler {
		return (ctx: Context) => requestScope.run({ requestId: ctx.requestID ?? undefined }, () => next(ctx));
	}
};
