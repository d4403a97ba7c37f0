/**
 * The OpenAPI 3.1 document of the gateway, generated from what the gateway serves: the same route
 * list its aliases are built from, and each action's `params` (fastest-validator rules, turned into
 * JSON Schema), `auth` and `roles`. There is no hand-kept copy that could drift.
 *
 * Parameters of GET and DELETE operations are documented as query parameters, those of POST, PUT and
 * PATCH as a JSON body; `:name` path segments become `{name}` path parameters. Every object is
 * closed (`additionalProperties: false`), as the strict validator refuses unknown fields.
 */

type Rule = Record<string, unknown>;
type JsonSchema = Record<string, unknown>;

export interface ActionDoc {
	params?: Record<string, unknown>;
	auth?: string;
	roles?: string[];
	cache?: unknown;
	/** Optional one-line summary and longer description, when the action declares them. */
	summary?: string;
	description?: string;
	/** The content type of a success that is not JSON (Prometheus text, say). */
	produces?: string;
}

export interface DocumentedRoute {
	method: string;
	/** Relative to each of `servers`, with `:name` parameters. */
	path: string;
	action: string;
	/** Path prefixes serving this route, e.g. ["/api/v1", "/api"]. */
	servers: string[];
	/** Non-JSON answers (the docs page and its files). */
	produces?: string;
	tag?: string;
}

export interface OpenApiOptions {
	title: string;
	version: string;
	description?: string;
	/** The action definitions by full name ("products.get"). */
	actions: Record<string, ActionDoc>;
}

/** "string|optional|min:3" shorthand into an object rule. */
function parseShorthand(rule: string): Rule {
	const [type, ...flags] = rule.split("|");
	const out: Rule = { type };
	for (const flag of flags) {
		const [key, value] = flag.split(":");
		out[key] = value === undefined ? true : /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value === "false" ? false : value;
	}
	return out;
}

function isOptional(rule: unknown): boolean {
	if (typeof rule === "string") return parseShorthand(rule).optional === true;
	if (Array.isArray(rule)) return rule.every(isOptional);
	const r = rule as Rule;
	return r?.optional === true || r?.default !== undefined;
}

function withNull(schema: JsonSchema, nullable: boolean): JsonSchema {
	if (!nullable) return schema;
	if (typeof schema.type === "string") return { ...schema, type: [schema.type, "null"] };
	return { anyOf: [schema, { type: "null" }] };
}

/** One fastest-validator rule as JSON Schema (draft 2020-12, as OpenAPI 3.1 uses). */
export function ruleToSchema(input: unknown): JsonSchema {
	if (typeof input === "string") return ruleToSchema(parseShorthand(input));
	if (Array.isArray(input)) return { anyOf: input.map(ruleToSchema) };
	if (!input || typeof input !== "object") return {};
	const rule = input as Rule;
	let schema: JsonSchema;
	switch (rule.type) {
		case "string": {
			schema = { type: "string" };
			const min = typeof rule.min === "number" ? rule.min : rule.empty === false ? 1 : undefined;
			if (min !== undefined) schema.minLength = min;
			if (typeof rule.max === "number") schema.maxLength = rule.max;
			if (typeof rule.length === "number") schema.minLength = schema.maxLength = rule.length;
			if (rule.pattern instanceof RegExp) schema.pattern = rule.pattern.source;
			else if (typeof rule.pattern === "string") schema.pattern = rule.pattern;
			if (Array.isArray(rule.enum)) schema.enum = rule.enum;
			if (rule.numeric) schema.pattern = "^-?[0-9]+(\\.[0-9]+)?$";
			break;
		}
		case "number": {
			schema = { type: rule.integer ? "integer" : "number" };
			if (typeof rule.min === "number") schema.minimum = rule.min;
			if (typeof rule.max === "number") schema.maximum = rule.max;
			if (rule.positive) schema.exclusiveMinimum = 0;
			if (rule.negative) schema.exclusiveMaximum = 0;
			if (typeof rule.equal === "number") schema.const = rule.equal;
			if (typeof rule.notEqual === "number") schema.not = { const: rule.notEqual };
			break;
		}
		case "boolean":
			schema = { type: "boolean" };
			break;
		case "enum":
			schema = { enum: Array.isArray(rule.values) ? rule.values : [] };
			break;
		case "equal":
			schema = { const: rule.value };
			break;
		case "email":
			schema = { type: "string", format: "email" };
			if (typeof rule.max === "number") schema.maxLength = rule.max;
			break;
		case "url":
			schema = { type: "string", format: "uri" };
			break;
		case "uuid":
			schema = { type: "string", format: "uuid" };
			break;
		case "date":
			schema = { type: "string", format: "date-time" };
			break;
		case "array": {
			schema = { type: "array" };
			if (rule.items !== undefined) schema.items = ruleToSchema(rule.items);
			if (typeof rule.min === "number") schema.minItems = rule.min;
			if (typeof rule.max === "number") schema.maxItems = rule.max;
			if (typeof rule.length === "number") schema.minItems = schema.maxItems = rule.length;
			if (rule.unique) schema.uniqueItems = true;
			if (rule.empty === false && schema.minItems === undefined) schema.minItems = 1;
			break;
		}
		case "object":
			schema = rule.props ? objectSchema(rule.props as Record<string, unknown>, rule.strict !== false) : { type: "object" };
			break;
		case "multi":
			schema = { anyOf: Array.isArray(rule.rules) ? rule.rules.map(ruleToSchema) : [] };
			break;
		default:
			// any, custom: no constraint JSON Schema can say
			schema = {};
	}
	if (rule.default !== undefined && typeof rule.default !== "function") schema.default = rule.default;
	if (typeof rule.description === "string") schema.description = rule.description;
	return withNull(schema, rule.nullable === true);
}

/** The object a params schema (or an object rule's props) describes; `$$` keys are validator options. */
export function objectSchema(props: Record<string, unknown>, strict = true): JsonSchema {
	const properties: Record<string, JsonSchema> = {};
	const required: string[] = [];
	for (const [key, rule] of Object.entries(props)) {
		if (key.startsWith("$$")) continue;
		properties[key] = ruleToSchema(rule);
		if (!isOptional(rule)) required.push(key);
	}
	const schema: JsonSchema = { type: "object", properties };
	if (required.length) schema.required = required;
	if (strict && props.$$strict !== false && props.$$strict !== "remove") schema.additionalProperties = false;
	return schema;
}

/** "/products/:id" into "/products/{id}", and the parameter names. */
export function toOpenApiPath(path: string): { path: string; params: string[] } {
	const params: string[] = [];
	const out = path.replace(/:([A-Za-z0-9_]+)\??/g, (_m, name: string) => {
		params.push(name);
		return `{${name}}`;
	});
	return { path: out, params };
}

const BODY_METHODS = new Set(["POST", "PUT", "PATCH"]);

const errorResponse = (description: string) => ({
	description,
	content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } }
});

function operation(route: DocumentedRoute, doc: ActionDoc, pathParams: string[], operationId: string): JsonSchema {
	const params = (doc.params ?? {}) as Record<string, unknown>;
	const isPublic = (doc.auth ?? "required") === "public";
	const roles = doc.roles ?? [];
	const who = isPublic ? "Public." : roles.length ? `Requires the role ${roles.join(" or ")}.` : "Requires a signed-in user.";
	const op: JsonSchema = {
		operationId,
		tags: [route.tag ?? route.action.split(".")[0]],
		summary: doc.summary ?? route.action,
		description: [doc.description, who, doc.cache ? "Cached; answers carry an ETag and honour If-None-Match (304)." : ""]
			.filter(Boolean)
			.join(" "),
		"x-moleculer-action": route.action,
		security: isPublic ? [] : [{ bearerAuth: [] }]
	};
	const parameters: JsonSchema[] = pathParams.map(name => ({
		name,
		in: "path",
		required: true,
		schema: params[name] !== undefined ? ruleToSchema(params[name]) : { type: "string" }
	}));
	const rest = Object.fromEntries(Object.entries(params).filter(([k]) => !pathParams.includes(k)));
	const hasFields = Object.keys(rest).some(k => !k.startsWith("$$"));
	if (BODY_METHODS.has(route.method)) {
		if (hasFields) {
			const schema = objectSchema(rest);
			op.requestBody = {
				required: Array.isArray(schema.required) && schema.required.length > 0,
				content: { "application/json": { schema } }
			};
		}
		parameters.push({ $ref: "#/components/parameters/IdempotencyKey" });
	} else {
		for (const [name, rule] of Object.entries(rest)) {
			if (name.startsWith("$$")) continue;
			parameters.push({ name, in: "query", required: !isOptional(rule), schema: ruleToSchema(rule) });
		}
	}
	if (parameters.length) op.parameters = parameters;

	const produces = route.produces ?? doc.produces;
	const responses: Record<string, unknown> = {
		"2XX": produces
			? { description: "Success", content: { [produces]: {} } }
			: { description: "Success", content: { "application/json": { schema: {} } } }
	};
	if (BODY_METHODS.has(route.method)) {
		responses["400"] = errorResponse("The body is not valid JSON, or does not decode as its Content-Encoding says");
		responses["413"] = errorResponse("The body is larger than 1 MB");
		responses["415"] = errorResponse("A body that is not application/json, or an unsupported Content-Encoding");
	}
	if (!isPublic) responses["401"] = errorResponse("No valid access token");
	if (roles.length) responses["403"] = errorResponse("The user lacks the role");
	if (pathParams.length) responses["404"] = errorResponse("No such entity (or not yours)");
	if (hasFields || pathParams.length || BODY_METHODS.has(route.method))
		responses["422"] = errorResponse(
			"Invalid, unknown or null fields (null only where a field is nullable), or a body that is not an object"
		);
	responses["429"] = {
		...errorResponse("Rate limit exceeded"),
		headers: { "Retry-After": { schema: { type: "integer" }, description: "Seconds until the window ends" } }
	};
	responses["503"] = errorResponse("The service behind the route is unavailable or did not answer in time");
	op.responses = responses;
	return op;
}

export function buildOpenApi(routes: DocumentedRoute[], opts: OpenApiOptions): JsonSchema {
	const paths: Record<string, Record<string, unknown>> = {};
	const pathServers = new Map<string, string>();
	const usedIds = new Set<string>();
	for (const route of routes) {
		const { path, params } = toOpenApiPath(route.path);
		const servers = route.servers.join(" ");
		if (pathServers.has(path) && pathServers.get(path) !== servers)
			throw new Error(`OpenAPI: ${path} is served under different prefixes (${pathServers.get(path)} / ${servers})`);
		pathServers.set(path, servers);
		const item = (paths[path] ??= { servers: route.servers.map(url => ({ url })) });
		const method = route.method.toLowerCase();
		if (item[method]) throw new Error(`OpenAPI: ${route.method} ${path} is declared twice`);
		let id = route.action;
		for (let n = 2; usedIds.has(id); n++) id = `${route.action}_${n}`;
		usedIds.add(id);
		item[method] = operation(route, opts.actions[route.action] ?? {}, params, id);
	}
	return {
		openapi: "3.1.0",
		info: { title: opts.title, version: opts.version, ...(opts.description ? { description: opts.description } : {}) },
		servers: [{ url: "/api/v1" }],
		paths,
		components: {
			securitySchemes: { bearerAuth: { type: "http", scheme: "bearer", bearerFormat: "JWT" } },
			parameters: {
				IdempotencyKey: {
					name: "Idempotency-Key",
					in: "header",
					required: false,
					description:
						"1 to 255 printable ASCII characters; a retry with the same key answers the first response (orders, cart).",
					schema: { type: "string", minLength: 1, maxLength: 255 }
				}
			},
			schemas: {
				Error: {
					type: "object",
					required: ["error"],
					properties: {
						error: {
							type: "object",
							required: ["type", "message", "code"],
							properties: {
								type: { type: "string" },
								message: { type: "string" },
								code: { type: "integer" },
								data: {}
							}
						}
					}
				}
			}
		}
	};
}
