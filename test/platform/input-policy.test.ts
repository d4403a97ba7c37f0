/**
 * Input is checked in one place: the strict validator (null only where a field is nullable), the
 * gateway's body policy (JSON objects only, Content-Encoding that decodes), Node's parser errors
 * answered with the error body, POST /inventory naming a product that exists, and the other
 * designs' route names. One regression test per reproduction, over real HTTP against the
 * all-in-one system; each refused request is shown to have changed nothing.
 */
import { randomUUID } from "node:crypto";
import net from "node:net";
import zlib from "node:zlib";
import { createEvent } from "../../lib/events";
import { signAccessToken } from "../../lib/jwt";
import { client, type Client, type HttpResult } from "../helpers/http";
import { waitFor } from "../helpers/processes";
import { startStack, type Stack } from "../helpers/stack";

const V1 = "/api/v1";
const PASSWORD = "Secret-pass-1";

function token(roles: string[], sub: string = randomUUID()) {
	return signAccessToken({ sub, roles, jti: randomUUID(), sid: randomUUID() }, 900, process.env.JWT_SECRET!);
}

function expectErrorBody(r: HttpResult, status: number, type?: string) {
	expect(r.status).toBe(status);
	expect(r.body).toEqual({ error: expect.objectContaining({ type: expect.any(String), message: expect.any(String), code: status }) });
	if (type) expect(r.body.error.type).toBe(type);
	expect(JSON.stringify(r.body)).not.toMatch(/at .*\.(ts|js):\d+/);
}

/** A 422 (or other status) whose data names exactly the given fields. */
function expectFields(r: HttpResult, fields: string[], status = 422, type = "VALIDATION_ERROR") {
	expectErrorBody(r, status, type);
	expect([...new Set(r.body.error.data.map((d: { field: string }) => d.field))].sort()).toEqual([...fields].sort());
}

/** A raw request: the body as bytes, only the headers given (fetch adds no Content-Type to bytes). */
async function send(baseUrl: string, method: string, path: string, body: Buffer | undefined, headers: Record<string, string> = {}) {
	const res = await fetch(baseUrl + path, { method, headers, body });
	const text = await res.text();
	let parsed: any = text;
	try {
		parsed = text ? JSON.parse(text) : undefined;
	} catch {
		/* stays text */
	}
	return { status: res.status, body: parsed, headers: res.headers } as HttpResult;
}

/** Writes raw bytes on a new connection and reads until the server closes it. */
function rawExchange(port: number, write: (socket: net.Socket) => void): Promise<string> {
	return new Promise((resolve, reject) => {
		const socket = net.connect(port, "127.0.0.1", () => write(socket));
		const chunks: Buffer[] = [];
		socket.on("data", c => chunks.push(c));
		socket.on("error", err => (chunks.length ? resolve(Buffer.concat(chunks).toString()) : reject(err)));
		socket.on("close", () => resolve(Buffer.concat(chunks).toString()));
		socket.setTimeout(10_000, () => socket.destroy(new Error("no answer")));
	});
}

function parseRawResponse(raw: string) {
	const [head, body] = raw.split("\r\n\r\n");
	const [statusLine, ...lines] = head.split("\r\n");
	const headers = Object.fromEntries(lines.map(l => [l.slice(0, l.indexOf(":")).toLowerCase(), l.slice(l.indexOf(":") + 1).trim()]));
	return { status: Number(statusLine.split(" ")[1]), headers, body: JSON.parse(body) };
}

describe("input checked in one place (all-in-one)", () => {
	let stack: Stack;
	let api: Client;
	const admin = token(["admin"]);

	beforeAll(async () => {
		stack = await startStack({ env: { RATE_LIMIT_MAX: "10000", RATE_LIMIT_LOGIN_MAX: "1000" } });
		api = client(stack.baseUrl);
	});
	afterAll(() => stack?.stop());

	const newProduct = async () => {
		const r = await api.post(
			`${V1}/products`,
			{ name: `Lamp ${randomUUID().slice(0, 6)}`, price: 19.99, category: "Lamps", stock: 7 },
			{ token: admin }
		);
		expect(r.status).toBe(201);
		return r.body as { id: string; name: string; price: number; currency: string; category: string };
	};
	const itemOf = async (productId: string) =>
		waitFor("inventory item", () => stack.broker.call("inventory.getByProduct", { productId }).catch(() => null), 5000, 20) as Promise<{
			id: string;
			onHand: number;
		}>;
	const register = async () => {
		const email = `input-${randomUUID().slice(0, 8)}@example.com`;
		const r = await api.post(`${V1}/auth/register`, { email, password: PASSWORD, name: "Input Policy" });
		expect(r.status).toBe(201);
		return { id: r.body.user.id as string, email, token: r.body.accessToken as string };
	};

	it("1. refuses null in any field not declared nullable with a 422 naming it, and changes nothing", async () => {
		const product = await newProduct();
		const before = (await api.get(`${V1}/products/${product.id}`)).body;
		for (const field of ["price", "currency", "category", "name", "description", "images", "sku"]) {
			const r = await api.put(`${V1}/products/${product.id}`, { [field]: null }, { token: admin });
			expectFields(r, [field]);
			expect(r.body.error.data[0]).toMatchObject({ type: "notNullable", message: `The '${field}' field must not be null.` });
		}
		expect((await api.get(`${V1}/products/${product.id}`)).body).toEqual(before);

		const item = await itemOf(product.id);
		expectFields(await api.patch(`${V1}/products/${product.id}/stock`, { delta: null }, { token: admin }), ["delta"]);
		expectFields(await api.patch(`${V1}/products/${product.id}/stock`, { onHand: null }, { token: admin }), ["onHand"]);
		expectFields(await api.put(`${V1}/inventory/${item.id}`, { onHand: null }, { token: admin }), ["onHand"]);
		expect(await itemOf(product.id)).toMatchObject({ onHand: 7 });

		// An address update cannot blank its required fields; the optional ones (nullable) are cleared by null.
		const user = await register();
		const home = { line1: "1 Main St", line2: "Flat 2", city: "Berlin", postalCode: "10115", country: "DE", phone: "+49 30 1234" };
		const created = await api.post(`${V1}/users/me/addresses`, home, { token: user.token });
		expect(created.status).toBe(201);
		const path = `${V1}/users/me/addresses/${created.body.id}`;
		const allNull = {
			line1: null,
			line2: null,
			city: null,
			postalCode: null,
			country: null,
			state: null,
			name: null,
			phone: null,
			isDefault: null
		};
		expectFields(await api.put(path, allNull, { token: user.token }), ["line1", "city", "postalCode", "country", "isDefault"]);
		const list = async () => (await api.get(`${V1}/users/me/addresses`, { token: user.token })).body;
		expect((await list()).items).toEqual([created.body]);
		const cleared = await api.put(path, { line2: null, phone: null }, { token: user.token });
		expect(cleared.status).toBe(200);
		expect(cleared.body).toMatchObject({ line1: "1 Main St", city: "Berlin", postalCode: "10115", country: "DE" });
		expect(cleared.body.line2 ?? null).toBeNull();
		expect(cleared.body.phone ?? null).toBeNull();
	});

	it("2. answers a Content-Encoding that does not decode with 400 before authentication, logged as a warning without a stack", async () => {
		const gateway = stack.broker.getLocalService("api") as unknown as {
			logger: { warn(...a: unknown[]): void; error(...a: unknown[]): void };
		};
		const warn = jest.spyOn(gateway.logger, "warn").mockImplementation(() => undefined);
		const error = jest.spyOn(gateway.logger, "error");
		try {
			const login = Buffer.from(JSON.stringify({ email: "nobody@example.com", password: PASSWORD }));
			for (const coding of ["gzip", "br", "deflate"]) {
				const r = await send(stack.baseUrl, "POST", `${V1}/auth/login`, login, {
					"content-type": "application/json",
					"content-encoding": coding
				});
				expectFields(r, ["Content-Encoding"], 400, "INVALID_CONTENT_ENCODING");
			}
			// Before authentication: a bad token on an admin route does not change the answer.
			const product = await newProduct();
			const put = Buffer.from(JSON.stringify({ name: "Changed" }));
			const headers = { "content-type": "application/json", "content-encoding": "gzip", authorization: "Bearer nonsense" };
			expectFields(
				await send(stack.baseUrl, "PUT", `${V1}/products/${product.id}`, put, headers),
				["Content-Encoding"],
				400,
				"INVALID_CONTENT_ENCODING"
			);
			expect((await api.get(`${V1}/products/${product.id}`)).body.name).toBe(product.name);

			const lines = warn.mock.calls.map(c => c.map(String).join(" "));
			expect(lines.filter(l => /does not decode/.test(l))).toHaveLength(4);
			expect(lines.join("\n")).not.toMatch(/\n\s+at /);
			expect(error).not.toHaveBeenCalled();
		} finally {
			warn.mockRestore();
			error.mockRestore();
		}

		// An unknown coding: 415 saying which ones are accepted; real gzip and br bodies work.
		const unknown = await send(stack.baseUrl, "POST", `${V1}/auth/login`, Buffer.from("{}"), {
			"content-type": "application/json",
			"content-encoding": "compress"
		});
		expectFields(unknown, ["Content-Encoding"], 415, "UNSUPPORTED_MEDIA_TYPE");
		expect(unknown.headers.get("accept-encoding")).toBe("gzip, deflate, br");
		const product = await newProduct();
		for (const [coding, encode] of [
			["gzip", zlib.gzipSync],
			["br", zlib.brotliCompressSync],
			["deflate", zlib.deflateSync]
		] as const) {
			const body = encode(Buffer.from(JSON.stringify({ category: `Cat-${coding}` })));
			const r = await send(stack.baseUrl, "PUT", `${V1}/products/${product.id}`, body, {
				"content-type": "application/json",
				"content-encoding": coding,
				authorization: `Bearer ${admin}`
			});
			expect(r.status).toBe(200);
			expect(r.body.category).toBe(`Cat-${coding}`);
		}
		// A body that decodes to more than 1 MB is a 413, however small it was sent.
		const bomb = zlib.gzipSync(Buffer.from(JSON.stringify({ description: "x".repeat(2 * 1024 * 1024) })));
		expect(bomb.length).toBeLessThan(10_000);
		const big = await send(stack.baseUrl, "PUT", `${V1}/products/${product.id}`, bomb, {
			"content-type": "application/json",
			"content-encoding": "gzip",
			authorization: `Bearer ${admin}`
		});
		expectErrorBody(big, 413, "PAYLOAD_TOO_LARGE");
	});

	it("3. answers a body that is not JSON with 415 and one that is not an object with 422, changing nothing", async () => {
		const product = await newProduct();
		const before = (await api.get(`${V1}/products/${product.id}`)).body;
		const json = Buffer.from(JSON.stringify({ name: "Changed", price: 1 }));
		const auth = { authorization: `Bearer ${admin}` };
		const path = `${V1}/products/${product.id}`;
		for (const contentType of [
			"text/plain",
			"application/x-www-form-urlencoded",
			"multipart/form-data; boundary=x",
			"application/xml",
			"application/json; charset=latin1"
		]) {
			const r = await send(stack.baseUrl, "PUT", path, json, { ...auth, "content-type": contentType });
			expectFields(r, ["Content-Type"], 415, "UNSUPPORTED_MEDIA_TYPE");
		}
		expectFields(await send(stack.baseUrl, "PUT", path, json, auth), ["Content-Type"], 415, "UNSUPPORTED_MEDIA_TYPE");
		expectFields(await send(stack.baseUrl, "POST", `${V1}/products`, json, auth), ["Content-Type"], 415, "UNSUPPORTED_MEDIA_TYPE");
		for (const raw of ["[]", '[{"name":"Changed"}]', '"Changed"', "42", "null", "true"])
			expectFields(await api.put(path, undefined, { token: admin, raw }), ["body"]);
		expect((await api.get(path)).body).toEqual(before);

		// application/*+json is JSON; an empty body is no fields, whatever its type: the action's
		// validator decides (logout needs its refreshToken).
		const merge = await send(stack.baseUrl, "PUT", path, Buffer.from('{"category":"Desks"}'), {
			...auth,
			"content-type": "application/merge-patch+json"
		});
		expect(merge.status).toBe(200);
		expect(merge.body.category).toBe("Desks");
		for (const headers of [{}, { "content-type": "text/plain" }] as Array<Record<string, string>>)
			expectFields(await send(stack.baseUrl, "POST", `${V1}/auth/logout`, Buffer.alloc(0), { ...headers, ...auth }), [
				"refreshToken"
			]);
	});

	it("4. answers Node's own 431 with the error body and Connection: close", async () => {
		const port = Number(new URL(stack.baseUrl).port);
		const raw = await rawExchange(port, s =>
			s.write(`GET ${V1}/health/live HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`)
		);
		const r = parseRawResponse(raw);
		expect(r.status).toBe(431);
		expect(r.headers["content-type"]).toBe("application/json; charset=utf-8");
		expect(r.headers.connection).toBe("close");
		expect(r.body).toEqual({ error: { type: "HEADERS_TOO_LARGE", message: expect.any(String), code: 431 } });
		const bad = parseRawResponse(await rawExchange(port, s => s.write("NOT HTTP\r\n\r\n")));
		expect(bad.status).toBe(400);
		expect(bad.body.error).toMatchObject({ type: "BAD_REQUEST", code: 400 });
	});

	it("5. refuses POST /inventory for a product that does not exist (422 naming productId), creating nothing", async () => {
		const productId = randomUUID();
		const r = await api.post(`${V1}/inventory`, { productId, onHand: 5 }, { token: admin });
		expectFields(r, ["productId"]);
		expect(r.body.error.data[0]).toMatchObject({ type: "productNotFound" });
		expectFields(await api.post(`${V1}/inventory`, { productId: "x".repeat(100), onHand: 5 }, { token: admin }), ["productId"]);
		await expect(stack.broker.call("inventory.getByProduct", { productId })).rejects.toMatchObject({ code: 404 });

		// An existing product passes the check (its item exists already: 409), and the internal
		// product.created flow still creates items without asking products.
		const product = await newProduct();
		await itemOf(product.id);
		expectErrorBody(await api.post(`${V1}/inventory`, { productId: product.id, onHand: 1 }, { token: admin }), 409, "INVENTORY_EXISTS");
		const viaEvent = randomUUID();
		await stack.broker.emit(
			"product.created",
			createEvent("products", "product.created", viaEvent, { id: viaEvent, name: "Evented", stock: 3 })
		);
		expect(await itemOf(viaEvent)).toMatchObject({ onHand: 3 });
	});

	it("6. serves the other designs' route names with the authorization of their v1 counterparts", async () => {
		const user = await register();
		const other = await register();
		const customer = user.token;

		// POST /api/users/verify (admin), as GET /api/v1/users/:id/verify.
		const verified = await api.post("/api/users/verify", { id: user.id }, { token: admin });
		expect(verified.status).toBe(200);
		expect(verified.body).toEqual({ exists: true, id: user.id, active: true });
		expectErrorBody(await api.post("/api/users/verify", { id: user.id }), 401);
		expectErrorBody(await api.post("/api/users/verify", { id: user.id }, { token: customer }), 403, "FORBIDDEN");

		// PUT /api/users/:id: PUT /users/me for the caller's own id; anyone else's is a 403.
		const renamed = await api.put(`/api/users/${user.id}`, { name: "Renamed" }, { token: customer });
		expect(renamed.status).toBe(200);
		expect(renamed.body).toMatchObject({ id: user.id, name: "Renamed" });
		expectErrorBody(await api.put(`/api/users/${other.id}`, { name: "Hijacked" }, { token: customer }), 403, "FORBIDDEN");
		expectErrorBody(await api.put(`/api/users/${other.id}`, { name: "Hijacked" }), 401);
		expect((await api.get(`${V1}/users/me`, { token: other.token })).body.name).toBe("Input Policy");

		// PATCH /api/orders/:id/status (and under /api/v1), admin only like PUT.
		for (const path of [`/api/orders/${randomUUID()}/status`, `${V1}/orders/${randomUUID()}/status`]) {
			expectErrorBody(await api.patch(path, { status: "shipped" }), 401);
			expectErrorBody(await api.patch(path, { status: "shipped" }, { token: customer }), 403, "FORBIDDEN");
			expectErrorBody(await api.patch(path, { status: "shipped" }, { token: admin }), 404);
		}

		// The docs under the versioned prefix too, with the same headers as /docs.
		const docs = await api.get(`${V1}/docs`);
		expect(docs.status).toBe(200);
		expect(docs.headers.get("content-type")).toContain("text/html");
		expect(docs.headers.get("content-security-policy")).toBe((await api.get("/docs")).headers.get("content-security-policy"));
		expect((await api.get(`${V1}/docs/init.js`)).body).toContain("/api/v1/openapi.json");
	});
});

describe("Node's request timeout (all-in-one gateway, HTTP_TIMEOUT_MS=600)", () => {
	let stack: Stack;
	beforeAll(async () => {
		stack = await startStack({ services: ["api"], env: { HTTP_TIMEOUT_MS: "600" } });
	});
	afterAll(() => stack?.stop());

	it("4. answers a request not received in time with a 408 error body and Connection: close", async () => {
		const port = Number(new URL(stack.baseUrl).port);
		const started = Date.now();
		const raw = await rawExchange(port, s => s.write(`GET ${V1}/health/live HTTP/1.1\r\nHost: x\r\n`));
		const r = parseRawResponse(raw);
		expect(r.status).toBe(408);
		expect(r.headers.connection).toBe("close");
		expect(r.body).toEqual({ error: { type: "REQUEST_TIMEOUT", message: expect.any(String), code: 408 } });
		expect(Date.now() - started).toBeLessThan(5000);
	});

	it("4. answers a body not received in time with the same 408, and the gateway goes on serving", async () => {
		const port = Number(new URL(stack.baseUrl).port);
		const head = `POST ${V1}/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"em`;
		const r = parseRawResponse(await rawExchange(port, s => s.write(head)));
		expect(r.status).toBe(408);
		expect(r.body.error).toMatchObject({ type: "REQUEST_TIMEOUT", code: 408 });
		expect((await fetch(`${stack.baseUrl}${V1}/health/live`)).status).toBe(200);
	});
});
