/**
 * The operations the fuzz suite walks, read from the OpenAPI document the gateway serves (so a new
 * route is fuzzed without touching the suite): method, path template, prefixes, parameters, body
 * schema and who may call it.
 */
export type JsonSchema = Record<string, any>;

export type Access = "public" | "user" | "admin";

export interface Operation {
	id: string;
	method: string;
	/** Template with `{name}` segments, relative to each prefix. */
	path: string;
	prefixes: string[];
	pathParams: Array<{ name: string; schema: JsonSchema }>;
	query: Array<{ name: string; schema: JsonSchema; required: boolean }>;
	/** The JSON body's schema (POST, PUT, PATCH with fields). */
	body?: JsonSchema;
	access: Access;
}

export function operationsOf(doc: JsonSchema): Operation[] {
	const ops: Operation[] = [];
	for (const [path, item] of Object.entries<JsonSchema>(doc.paths)) {
		const prefixes = (item.servers ?? doc.servers).map((s: { url: string }) => s.url);
		for (const [method, op] of Object.entries<JsonSchema>(item)) {
			if (method === "servers") continue;
			const params: JsonSchema[] = (op.parameters ?? []).filter((p: JsonSchema) => !p.$ref);
			ops.push({
				id: op.operationId,
				method: method.toUpperCase(),
				path,
				prefixes,
				pathParams: params.filter(p => p.in === "path").map(p => ({ name: p.name, schema: p.schema ?? {} })),
				query: params.filter(p => p.in === "query").map(p => ({ name: p.name, schema: p.schema ?? {}, required: !!p.required })),
				body: op.requestBody?.content?.["application/json"]?.schema,
				access: op.security?.length ? (/role admin/.test(op.description ?? "") ? "admin" : "user") : "public"
			});
		}
	}
	return ops;
}
