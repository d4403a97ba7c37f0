/**
 * Every use of moleculer-web's internals, in one place. Each function says which internal of
 * moleculer-web 0.11.0 (pinned exactly in package.json) it relies on and why no public API does it.
 * On an upgrade, re-check this file: test/unit/library-internals.test.ts fails first, naming the
 * assumption that broke.
 */
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { RateLimitStore } from "./rate-limit";

/** A route's rate limit as moleculer-web keeps it: the route's `rateLimit` options with the store it made. */
export interface RouteRateLimit {
	limit: number;
	store: RateLimitStore;
}

/**
 * The rate limit of a route moleculer-web built (`addRoute`'s answer, or `req.$route`): createRoute
 * keeps it as `route.rateLimit`, with the store built from `StoreFactory` as its `store`. Neither is
 * in moleculer-web's type declarations; the gateway reads the store for Retry-After, for the response
 * cache's count and to open and close it.
 */
export function rateLimitOf(route: unknown): RouteRateLimit | undefined {
	return (route as { rateLimit?: RouteRateLimit } | undefined)?.rateLimit;
}

/** The rate limits of every route of a gateway: moleculer-web keeps its routes in the service's `routes` array. */
export function routeRateLimits(gateway: object): RouteRateLimit[] {
	return (gateway as { routes: unknown[] }).routes.map(rateLimitOf).filter((l): l is RouteRateLimit => !!l);
}

/**
 * Puts `listener` in place of moleculer-web's own request listener on its HTTP server: moleculer-web
 * creates the server with its `httpHandler` as the one 'request' listener (createServer) and has no
 * option to put anything in front of it. Anything else listening there is an error, so an upgrade
 * that changes this fails at startup instead of answering every request twice.
 */
export function takeOverRequests(server: Server, listener: (req: IncomingMessage, res: ServerResponse) => void): void {
	const count = server.listenerCount("request");
	if (count !== 1)
		throw new Error(
			`moleculer-web's server has ${count} 'request' listeners, 1 expected (its httpHandler): see lib/gateway/moleculer-web-internals.ts`
		);
	server.removeAllListeners("request");
	server.on("request", listener);
}

/**
 * The gateway's `errorHandler`, in place of moleculer-web's: its httpHandler hands every error of a
 * request to `this.errorHandler`, whose own version logs a 5xx and then calls `sendError` (which
 * ends in settings.onError). This one only calls `sendError`, for errors to be logged once, by onError.
 */
export function sendErrorUnlogged(
	this: { sendError(req: IncomingMessage, res: ServerResponse, err: unknown): void },
	req: IncomingMessage,
	res: ServerResponse,
	err: unknown
): void {
	this.sendError(req, res, err);
}
