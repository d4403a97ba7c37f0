/**
 * The route names of the other seed designs, mapped onto the same actions (and so the same `auth`
 * and `roles`) as their /api/v1 counterparts. They answer under /api; one that only differs from a
 * v1 route by its method answers under /api/v1 too, so the OpenAPI document has one path for both.
 */
import type { IncomingMessage } from "node:http";
import type { Context } from "moleculer";
import { ForbiddenError, UnauthorizedError } from "../errors";
import type { AliasMiddleware, RouteEntry } from "./route-table";

type AliasReq = IncomingMessage & {
	$ctx?: Context<unknown, { user?: { id: string } | null }>;
	$params?: Record<string, unknown>;
};

export interface CompatRoute extends RouteEntry {
	/** Served under /api/v1 as well as /api. */
	versioned?: boolean;
}

/**
 * PUT /api/users/:id is PUT /users/me for the account named by :id, which must be the caller's:
 * anyone else's is a 403 (nothing is looked up, so it tells nothing about other accounts).
 */
export const ownAccountOnly: AliasMiddleware = (req, _res, next) => {
	const caller = (req as AliasReq).$ctx?.meta.user;
	const params = (req as AliasReq).$params ?? {};
	if (!caller) return next(new UnauthorizedError());
	if (params.id !== caller.id) return next(new ForbiddenError("Only your own account can be changed (PUT /users/me)"));
	delete params.id;
	next();
};

export const COMPAT_ROUTES: CompatRoute[] = [
	{ method: "POST", path: "/users/register", action: "users.register" },
	{ method: "POST", path: "/users/login", action: "users.login" },
	{ method: "POST", path: "/users/logout", action: "users.logout" },
	{ method: "POST", path: "/users/verify", action: "users.verify" },
	{ method: "GET", path: "/users/:id", action: "users.get" },
	{ method: "PUT", path: "/users/:id", action: "users.updateMe", before: ownAccountOnly },
	{ method: "GET", path: "/customers", action: "users.list" },
	{ method: "GET", path: "/customers/:id", action: "users.get" },
	{ method: "GET", path: "/customers/:id/verify", action: "users.verify" },
	{ method: "PATCH", path: "/orders/:id/status", action: "orders.updateStatus", versioned: true }
];
