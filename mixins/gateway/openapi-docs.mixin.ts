/**
 * The OpenAPI document (GET /openapi.json), generated from exactly the routes the gateway serves and
 * each action's `params`, `auth`, `roles` and `summary` (lib/gateway/openapi.ts), and its
 * interactive UI at /docs and /api/v1/docs (swagger-ui from swagger-ui-dist, lib/gateway/docs.ts).
 * api.service.ts calls `addDocsRoutes` and `publishOpenApi` once it has built its own routes.
 */
import type { Context, ServiceSchema } from "moleculer";
import { NotFoundError } from "../../lib/errors";
import { BODY_LIMIT_BYTES, bodyPolicy } from "../../lib/gateway/body-policy";
import { DocsAssets } from "../../lib/gateway/docs";
import { buildOpenApi, type ActionDoc, type DocumentedRoute } from "../../lib/gateway/openapi";
import { etagOf, matchesIfNoneMatch } from "../../lib/gateway/response-cache";
import { DOCS_PATHS, JSON_TYPE, V1, type GatewayMixin, type Req, type Res } from "./http";

/** The docs pages, as the document lists them. */
const DOCS_ROUTES: DocumentedRoute[] = [
	{ method: "GET", path: "/docs", action: "api.docs", servers: ["/", V1], produces: "text/html", tag: "docs" },
	{ method: "GET", path: "/docs/:file", action: "api.docs", servers: ["/", V1], produces: "*/*", tag: "docs" }
];

export const OpenApiDocsMixin: GatewayMixin = {
	created() {
		this.docsAssets = new DocsAssets("/docs", `${V1}/openapi.json`);
	},

	actions: {
		openapi: {
			rest: "GET /openapi.json",
			auth: "public",
			summary: "This document (OpenAPI 3.1), generated from the routes the gateway serves",
			handler(ctx: Context<unknown, { $responseType?: string; $responseHeaders?: Record<string, string> }>) {
				ctx.meta.$responseType = JSON_TYPE;
				ctx.meta.$responseHeaders = { ETag: this.openapiEtag, "Cache-Control": "no-cache" };
				return this.openapiJson;
			}
		}
	},

	methods: {
		/** The /docs routes, each under its own rate-limit route option. */
		addDocsRoutes(rateLimit: unknown) {
			const docsHandler = (req: Req, res: Res) => this.serveDocs(req, res);
			for (const path of DOCS_PATHS)
				this.addRoute({
					name: `docs ${path}`,
					path,
					mappingPolicy: "restrict",
					authentication: false,
					authorization: false,
					bodyParsers: false,
					// The one body policy here too: a body the page never reads was left unread, and the
					// connection's reset cut the file short (a 1 MB body on GET /docs/swagger-ui.css).
					use: [bodyPolicy({ limit: BODY_LIMIT_BYTES, logger: this.logger })],
					aliases: { "GET /": docsHandler, "GET /:file": docsHandler },
					rateLimit
				});
		},

		/** The document of exactly what is served: `served` is the list the API's aliases were made from. */
		publishOpenApi(schemas: Array<Pick<ServiceSchema, "name" | "actions">>, served: DocumentedRoute[]) {
			const actions: Record<string, ActionDoc> = {
				"api.docs": { auth: "public", summary: "Interactive API documentation (swagger-ui) and its files" }
			};
			for (const schema of schemas)
				for (const [name, def] of Object.entries(schema.actions ?? {}))
					if (def && typeof def === "object") actions[`${schema.name}.${name}`] = def as ActionDoc;
			const doc = buildOpenApi([...served, ...DOCS_ROUTES], {
				title: "moleculer-shop API",
				version: "1.0.0",
				description:
					"Every route answers under `/api/v1` and unversioned under `/api`. Errors have one body: " +
					'`{ "error": { "type", "message", "code", "data"? } }`. Access tokens go in the `Authorization: Bearer <token>` header.',
				actions
			});
			this.openapiJson = JSON.stringify(doc);
			this.openapiEtag = etagOf(this.openapiJson);
		},

		/** Serves the /docs page and its files (swagger-ui-dist). */
		serveDocs(req: Req, res: Res & { $route?: unknown }) {
			const name = (req.url ?? "/").split("?")[0].replace(/^\/+/, "");
			const file = this.docsAssets.get(name);
			if (!file) return this.sendError(req, res, new NotFoundError("File", name));
			res.setHeader("Cache-Control", name ? "public, max-age=3600" : "no-cache");
			res.setHeader("ETag", file.etag);
			if (matchesIfNoneMatch(req.headers, file.etag)) {
				res.statusCode = 304;
				return res.end();
			}
			res.setHeader("Content-Type", file.contentType);
			res.setHeader("Content-Length", file.body.length);
			res.end(file.body);
		}
	}
};
