/**
 * The gateway's routes, read from the `rest` property of the actions of every service schema in
 * the codebase. The gateway knows them statically, so a route whose service has no live node
 * answers 503 (not 404), and the OpenAPI document is generated from the same source.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { ServiceSchema } from "moleculer";

/** A moleculer-web alias middleware: runs after authentication and authorization, before the call. */
export type AliasMiddleware = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;

export interface RouteEntry {
	method: string;
	path: string;
	action: string;
	/** Adapts the request to the action (see compat-routes.ts). */
	before?: AliasMiddleware;
}

const METHODS = new Set(["GET", "POST", "PUT", "PATCH", "DELETE"]);

export function collectRoutes(schemas: Partial<ServiceSchema>[]): RouteEntry[] {
	const routes: RouteEntry[] = [];
	const seen = new Map<string, string>();
	for (const schema of schemas) {
		for (const [name, def] of Object.entries(schema.actions ?? {})) {
			if (!def || typeof def !== "object") continue;
			const rest = (def as { rest?: string | string[] }).rest;
			for (const spec of rest === undefined ? [] : Array.isArray(rest) ? rest : [rest]) {
				const [method, path] = spec.trim().split(/\s+/);
				if (!METHODS.has(method) || !path?.startsWith("/")) throw new Error(`Invalid rest "${spec}" on ${schema.name}.${name}`);
				const key = `${method} ${path}`;
				const action = `${schema.name}.${name}`;
				if (seen.has(key)) throw new Error(`Route ${key} is declared by both ${seen.get(key)} and ${action}`);
				seen.set(key, action);
				routes.push({ method, path, action });
			}
		}
	}
	return sortRoutes(routes);
}

/** Static segments before parameters, so /users/me wins over /users/:id. */
export function sortRoutes(routes: RouteEntry[]): RouteEntry[] {
	return [...routes].sort((a, b) => compareSpecificity(a.path, b.path));
}

function compareSpecificity(a: string, b: string): number {
	const sa = a.split("/");
	const sb = b.split("/");
	for (let i = 0; i < Math.min(sa.length, sb.length); i++) {
		const pa = sa[i].startsWith(":") ? 1 : 0;
		const pb = sb[i].startsWith(":") ? 1 : 0;
		if (pa !== pb) return pa - pb;
	}
	return 0;
}

/** moleculer-web aliases: "METHOD /path" to the action, or to [middleware, action]. */
export function toAliases(routes: RouteEntry[]): Record<string, string | [AliasMiddleware, string]> {
	return Object.fromEntries(routes.map(r => [`${r.method} ${r.path}`, r.before ? [r.before, r.action] : r.action]));
}
