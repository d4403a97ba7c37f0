import "moleculer";

declare module "moleculer" {
	interface ActionSchema {
		/** HTTP route(s) the gateway exposes for this action, e.g. "GET /products/:id". */
		rest?: string | string[];
		/**
		 * Who may call it through the gateway: "required" (default) needs a valid access token,
		 * "public" does not. Calls between services are trusted and not checked.
		 */
		auth?: "required" | "public";
		/** When set, the caller must hold one of these roles (checked at the gateway). */
		roles?: string[];
		/** One line for the generated OpenAPI document (GET /api/v1/openapi.json); the action name otherwise. */
		summary?: string;
		/** The content type of a success that is not JSON, for the OpenAPI document. */
		produces?: string;
		/**
		 * Whether running it twice is harmless, so that a call whose node died before answering may be
		 * sent again to another node (lib/broker/failover.middleware.ts). Unset: true for cached actions
		 * and those exposed only as GET or HEAD routes.
		 */
		idempotent?: boolean;
	}
}

/** What the gateway puts in ctx.meta for every request. */
export interface RequestMeta {
	user?: { id: string; roles: string[]; sid: string } | null;
	idempotencyKey?: string;
	/** The client's address as the gateway's rate limits see it (TRUST_PROXY aware); absent on calls from inside. */
	clientIp?: string;
	$statusCode?: number;
	$responseHeaders?: Record<string, string>;
}
