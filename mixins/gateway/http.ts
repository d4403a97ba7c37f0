/**
 * What the gateway's mixins share: the request as moleculer-web hands it over, the API's path
 * prefixes, and the one way the gateway writes a JSON answer of its own.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Context, ServiceSchema } from "moleculer";

/**
 * A part of the gateway service (services/api.service.ts). Its `this` is the whole gateway: the
 * state and methods of moleculer-web and of every other part.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type GatewayMixin = Partial<ServiceSchema<Record<string, any>>>;

/** The called action, as moleculer-web puts it on the request. */
export interface ActionInfo {
	name: string;
	auth?: string;
	roles?: string[];
	cache?: unknown;
}

export interface GatewayRoute {
	name: string;
}

export type Req = IncomingMessage & {
	$action?: ActionInfo;
	$ctx?: Context;
	$route?: GatewayRoute;
	$rateLimitKey?: string;
	/** The response-cache generation of the called service when the request started. */
	$cacheGeneration?: number;
	/** The JSON already serialized for the ETag, so it is not serialized twice. */
	$encoded?: string;
	originalUrl?: string;
};
export type Res = ServerResponse;
export type UserMeta = { id: string; roles: string[]; sid: string } | null;

/** Path prefixes of the API: every route answers versioned and unversioned. */
export const V1 = "/api/v1";
export const UNVERSIONED = "/api";

/** The interactive docs, at the server root and under the versioned prefix. */
export const DOCS_PATHS = ["/docs", `${V1}/docs`];

export const JSON_TYPE = "application/json; charset=utf-8";

export function sendJson(res: Res, status: number, body: unknown) {
	res.statusCode = status;
	res.setHeader("Content-Type", JSON_TYPE);
	res.end(JSON.stringify(body));
}

/** "orders.get" -> "orders". */
export function serviceOf(actionName: string): string {
	return actionName.slice(0, actionName.lastIndexOf("."));
}
