/**
 * The OpenAPI document is generated from what the gateway serves: every route the gateway answers
 * is documented, and every documented route is answered (compared with the gateway's aliases, both
 * prefixes and the docs pages included). The docs UI at /docs loads only the gateway's own files.
 */
import { client, type Client } from "../helpers/http";
import { startStack, type Stack } from "../helpers/stack";

interface Alias {
	method: string;
	fullPath: string;
	action: string | null;
}

const METHODS = ["get", "put", "post", "delete", "patch", "head", "options"];

describe("OpenAPI document and /docs", () => {
	let stack: Stack;
	let api: Client;
	let doc: any;

	beforeAll(async () => {
		stack = await startStack({ env: { RATE_LIMIT_MAX: "10000" } });
		api = client(stack.baseUrl);
		const r = await api.get("/api/v1/openapi.json");
		expect(r.status).toBe(200);
		expect(r.headers.get("content-type")).toContain("application/json");
		doc = r.body;
	});
	afterAll(() => stack.stop());

	it("is OpenAPI 3.1, public, and answers 304 to its ETag", async () => {
		expect(doc.openapi).toBe("3.1.0");
		expect(doc.info.title).toBeTruthy();
		const etag = (await api.get("/api/v1/openapi.json")).headers.get("etag")!;
		expect((await api.get("/api/v1/openapi.json", { headers: { "if-none-match": etag } })).status).toBe(304);
		expect((await api.get("/api/openapi.json")).status).toBe(200);
	});

	it("documents exactly the routes the gateway serves", () => {
		const served = new Set(
			((stack.broker.getLocalService("api") as unknown as { aliases: Alias[] }).aliases ?? []).map(
				a => `${a.method} ${a.fullPath.replace(/:([A-Za-z0-9_]+)/g, "{$1}")}`
			)
		);
		const documented = new Set<string>();
		for (const [path, item] of Object.entries<any>(doc.paths)) {
			const servers: Array<{ url: string }> = item.servers ?? doc.servers;
			for (const method of METHODS.filter(m => item[m]))
				for (const { url } of servers) documented.add(`${method.toUpperCase()} ${url.replace(/\/$/, "")}${path}`);
		}
		expect(served.size).toBeGreaterThan(100);
		expect([...served].filter(r => !documented.has(r))).toEqual([]);
		expect([...documented].filter(r => !served.has(r))).toEqual([]);
	});

	it("describes parameters, bodies, auth and roles from the actions' declarations", () => {
		const getProduct = doc.paths["/products/{id}"].get;
		expect(getProduct.security).toEqual([]);
		expect(getProduct.parameters).toEqual([
			{ name: "id", in: "path", required: true, schema: { type: "string", minLength: 1, maxLength: 64 } }
		]);
		expect(doc.paths["/products/{id}"].servers.map((s: { url: string }) => s.url)).toEqual(["/api/v1", "/api"]);

		const list = doc.paths["/products"].get;
		const param = (name: string) => list.parameters.find((p: { name: string }) => p.name === name);
		expect(param("page")).toMatchObject({ in: "query", required: false, schema: { type: "integer", minimum: 1, default: 1 } });
		expect(param("sort").schema.enum).toContain("-price");

		const create = doc.paths["/products"].post;
		expect(create.security).toEqual([{ bearerAuth: [] }]);
		expect(create.description).toMatch(/admin/);
		expect(create.responses["403"]).toBeDefined();
		const body = create.requestBody.content["application/json"].schema;
		expect(body.required).toEqual(expect.arrayContaining(["name", "price"]));
		expect(body.additionalProperties).toBe(false);
		expect(body.properties.price).toMatchObject({ type: "number", exclusiveMinimum: 0 });
		expect(body.properties.images).toMatchObject({ type: "array", items: { type: "string" } });

		const order = doc.paths["/orders"].post;
		expect(order.security).toEqual([{ bearerAuth: [] }]);
		expect(order.responses["403"]).toBeUndefined();
		expect(order.parameters).toContainEqual({ $ref: "#/components/parameters/IdempotencyKey" });
		expect(order.requestBody.content["application/json"].schema.properties.items.type).toBe("array");

		expect(doc.paths["/users/register"].servers).toEqual([{ url: "/api" }]);
		expect(doc.paths["/docs"].servers).toEqual([{ url: "/" }, { url: "/api/v1" }]);
		expect(create.responses["415"]).toBeDefined();
		// Prometheus text, not JSON.
		expect(Object.keys(doc.paths["/metrics"].get.responses["2XX"].content)).toEqual(["text/plain"]);

		// The other designs' names, documented from the actions they call.
		expect(doc.paths["/users/verify"].post["x-moleculer-action"]).toBe("users.verify");
		expect(doc.paths["/users/verify"].post.description).toMatch(/admin/);
		expect(doc.paths["/users/{id}"].put["x-moleculer-action"]).toBe("users.updateMe");
		expect(doc.paths["/users/{id}"].servers).toEqual([{ url: "/api" }]);
		expect(doc.paths["/orders/{id}/status"].patch["x-moleculer-action"]).toBe("orders.updateStatus");
		expect(doc.paths["/orders/{id}/status"].servers).toEqual([{ url: "/api/v1" }, { url: "/api" }]);
	});

	it("keeps its references and path parameters consistent", () => {
		const refs = JSON.stringify(doc).match(/"\$ref":"[^"]+"/g) ?? [];
		for (const ref of refs) {
			const target = ref.slice(8, -1).replace(/^#\//, "").split("/");
			expect(target.reduce((node: any, key) => node?.[key], doc)).toBeDefined();
		}
		const ids = new Set<string>();
		for (const [path, item] of Object.entries<any>(doc.paths)) {
			const names = [...path.matchAll(/\{(\w+)\}/g)].map(m => m[1]);
			for (const method of METHODS.filter(m => item[m])) {
				const op = item[method];
				expect(ids.has(op.operationId)).toBe(false);
				ids.add(op.operationId);
				const declared = (op.parameters ?? []).filter((p: any) => p.in === "path").map((p: any) => p.name);
				expect(declared.sort()).toEqual([...names].sort());
			}
		}
	});

	it("serves the interactive UI at /docs from its own files only (works offline)", async () => {
		const page = await api.get("/docs");
		expect(page.status).toBe(200);
		expect(page.headers.get("content-type")).toContain("text/html");
		const html = page.body as string;
		const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map(m => m[1]);
		expect(assets.length).toBeGreaterThanOrEqual(4);
		for (const asset of assets) {
			expect(asset.startsWith("/docs/")).toBe(true);
			const r = await fetch(stack.baseUrl + asset);
			expect(r.status).toBe(200);
			expect((await r.arrayBuffer()).byteLength).toBeGreaterThan(0);
		}
		const init = await api.get("/docs/init.js");
		expect(init.body).toContain("/api/v1/openapi.json");
		expect(init.body).toContain("validatorUrl: null");
		expect((await api.get("/docs/../package.json")).status).toBe(404);
		expect((await api.get("/docs/index.html")).status).toBe(404);
	});
});
