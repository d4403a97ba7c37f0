/**
 * One fuzzed HTTP request: which operation, as whom, the URL (path and query already encoded, odd
 * bits kept raw), how the body is sent (JSON, compressed, falsely labelled compressed, text/plain,
 * form, multipart, XML, a foreign charset, invalid UTF-8, over the size limit) and its JSON text.
 * Requests are plain data that print in full, so a failure shows the exact request to replay.
 */
import { randomUUID } from "node:crypto";
import http from "node:http";
import zlib from "node:zlib";
import fc from "fast-check";
import { signAccessToken } from "../../lib/jwt";
import type { Operation } from "./operations";
import { badValue, deepJson, objectValue, pathSegment, queryString, rarely, toJsonText, type IdPool } from "./values";

export type Role = "anonymous" | "customer" | "admin";

/** How the Authorization header is made: the role's own token, or a broken one. */
export type Auth = "role" | "none" | "garbage" | "wrong-secret" | "expired" | "alg-none" | "basic";

export const TRANSPORTS = [
	"json",
	"json-gzip",
	"json-br",
	"json-deflate",
	"fake-gzip",
	"fake-br",
	"fake-deflate",
	"unknown-encoding",
	"text-plain",
	"no-content-type",
	"form",
	"multipart",
	"xml",
	"utf-16",
	"latin1",
	"invalid-utf8",
	"bom",
	"vendor-json",
	"gzip-bomb",
	"too-large"
] as const;
export type Transport = (typeof TRANSPORTS)[number];

export interface FuzzRequest {
	op: string;
	role: Role;
	auth: Auth;
	method: string;
	url: string;
	/** JSON text of the body (before the transport encodes it); none for no body. */
	body?: string;
	transport: Transport;
	idempotencyKey?: string;
	/** Other headers the gateway reads (request id, conditional GET, proxies, encodings), with odd values. */
	headers?: Record<string, string>;
}

/** The real accounts the role tokens are minted for. */
export interface Accounts {
	customer: { id: string };
	admin: { id: string };
}

const TOP_LEVEL_BODIES = ["[]", "null", '"text"', "1", "true", "{", '{"a":}', "{}{}", "\u0000", '{"a":1,"a":2}', "[1,2,3]", " "];

const bodyText = (op: Operation, pool: IdPool): fc.Arbitrary<string | undefined> => {
	const object = op.body ? objectValue(op.body, pool).map(toJsonText) : fc.constant("{}");
	return fc.oneof(
		{ arbitrary: object, weight: 20 },
		{ arbitrary: fc.constantFrom(...TOP_LEVEL_BODIES), weight: 1 },
		{ arbitrary: badValue.map(toJsonText), weight: 1 },
		{ arbitrary: fc.integer({ min: 1_000, max: 100_000 }).map(d => deepJson(d, d % 2 ? "array" : "object").text), weight: 1 },
		{ arbitrary: fc.constant(undefined), weight: 1 }
	);
};

const transport = fc.oneof(
	{ arbitrary: fc.constant<Transport>("json"), weight: 12 },
	{ arbitrary: fc.constantFrom<Transport>(...TRANSPORTS), weight: 6 }
);

const auth = fc.oneof(
	{ arbitrary: fc.constant<Auth>("role"), weight: 12 },
	{ arbitrary: fc.constantFrom<Auth>("garbage", "wrong-secret", "expired", "alg-none", "basic"), weight: 1 }
);

// Header values go out as latin1: "ключ" is sent as its UTF-8 bytes, as a client would.
const idempotencyKey = rarely(
	fc.oneof(
		fc.uuid(),
		fc.constantFrom("", " ", "k".repeat(256), "k".repeat(300), Buffer.from("ключ").toString("latin1"), "\u00ff\u00fe", "a\tb")
	),
	8
);

const HEADER_VALUES: Array<[string, string[]]> = [
	["x-request-id", ["", " ", "x".repeat(300), "../../etc", "\u00ff\u00fe", "a\tb", "${jndi:ldap://x}"]],
	["if-none-match", ["*", '""', 'W/"x"', "x".repeat(2000), '"a", "b", W/"c"', ","]],
	["x-forwarded-for", ["1.2.3.4", "not-an-ip, ::1", "::ffff:127.0.0.1", ", , ,", "1.1.1.1, ".repeat(200)]],
	["x-forwarded-proto", ["https", "javascript", ""]],
	["accept-encoding", ["gzip;q=0, br;q=1000", "*", "x".repeat(500)]],
	["accept", ["text/html", "application/xml", "*/*;q=abc", ""]],
	["origin", ["null", "https://evil.example", "x".repeat(300)]],
	["content-language", ["../../"]],
	["transfer-encoding", ["chunked"]]
];

const extraHeaders = rarely(
	fc
		.uniqueArray(
			fc.constantFrom(...HEADER_VALUES).chain(([name, values]) => fc.constantFrom(...values).map(v => [name, v] as const)),
			{ minLength: 1, maxLength: 3, selector: ([name]) => name }
		)
		.map(pairs => Object.fromEntries(pairs)),
	6
);

/** Requests for one operation as one role. */
export function requestArb(op: Operation, role: Role, pool: IdPool): fc.Arbitrary<FuzzRequest> {
	const bodyMethod = ["POST", "PUT", "PATCH"].includes(op.method);
	const resourceOf = (name: string) => op.path.split("/").at(op.path.split("/").indexOf(`{${name}}`) - 1) ?? "";
	const segments = fc.tuple(...op.pathParams.map(p => pathSegment(p.schema, pool, p.name, resourceOf(p.name))));
	const prefix = fc.oneof(
		{ arbitrary: fc.constantFrom(...op.prefixes), weight: 8 },
		{ arbitrary: fc.constantFrom("/api/v1/", "/api//v1", "/API/V1", "/api/v1/./"), weight: 1 }
	);
	const body = bodyMethod ? bodyText(op, pool) : rarely(fc.constantFrom('{"a":1}', "[]", '{"$where":"1"}'), 10);
	return fc
		.record({
			prefix,
			segments,
			query: op.query.length ? rarely(queryString(op.query, pool), 1, 2) : rarely(queryString(op.query, pool), 8),
			body,
			transport,
			auth: role === "anonymous" ? fc.constant<Auth>("none") : auth,
			idempotencyKey,
			headers: extraHeaders
		})
		.map(r => {
			let i = 0;
			const path = op.path.replace(/\{[^}]+\}/g, () => r.segments[i++]);
			const url = `${r.prefix.replace(/\/$/, "")}${path}${r.query !== undefined ? `?${r.query}` : ""}`;
			const req: FuzzRequest = { op: op.id, role, auth: r.auth, method: op.method, url, transport: r.transport };
			if (r.body !== undefined && r.body !== null) req.body = r.body;
			if (r.idempotencyKey !== undefined) req.idempotencyKey = r.idempotencyKey;
			if (r.headers !== undefined) req.headers = r.headers;
			return req;
		});
}

const short = (s: string, max = 600) => (s.length > max ? `${s.slice(0, max)}… (${s.length} chars)` : s);

/** The request as a line to replay: method, URL, who, transport, body. */
export function describeRequest(r: FuzzRequest): string {
	const parts = [`${r.method} ${short(r.url, 300)}`, `as ${r.role} (auth ${r.auth})`, `transport ${r.transport}`];
	if (r.idempotencyKey !== undefined) parts.push(`Idempotency-Key ${JSON.stringify(r.idempotencyKey)}`);
	for (const [name, value] of Object.entries(r.headers ?? {})) parts.push(`${name} ${JSON.stringify(short(value, 100))}`);
	parts.push(r.body === undefined ? "no body" : `body ${short(JSON.stringify(r.body))}`);
	return `[${r.op}] ${parts.join(", ")}`;
}

// A body that decodes to far more than the 1 MB limit (made once: compressing it takes a while).
let bomb: Buffer | undefined;
const gzipBomb = () => (bomb ??= zlib.gzipSync(Buffer.from(`{"name":"${" ".repeat(8 * 1024 * 1024)}"}`)));

/** The body's fields as form pairs (objects as JSON text); text that is not a JSON object is one field. */
function formPairs(text: string): Array<[string, string]> {
	try {
		const parsed = JSON.parse(text);
		if (parsed && typeof parsed === "object" && !Array.isArray(parsed))
			return Object.entries(parsed).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]);
	} catch {
		/* too deep for this process's stack, or not JSON: sent as one field below */
	}
	return [["body", text]];
}

/** Bytes and headers of the body as the transport sends it. */
export function encodeBody(r: FuzzRequest): { bytes?: Buffer; headers: Record<string, string> } {
	if (r.transport === "gzip-bomb")
		return { bytes: gzipBomb(), headers: { "content-type": "application/json", "content-encoding": "gzip" } };
	if (r.transport === "too-large")
		return { bytes: Buffer.from(`{"name":"${"x".repeat(1_100_000)}"}`), headers: { "content-type": "application/json" } };
	if (r.body === undefined) return { headers: {} };
	const text = r.body;
	const utf8 = Buffer.from(text, "utf8");
	const json = { "content-type": "application/json" };
	const pairs = formPairs(text);
	switch (r.transport) {
		case "json":
			return { bytes: utf8, headers: json };
		case "json-gzip":
			return { bytes: zlib.gzipSync(utf8), headers: { ...json, "content-encoding": "gzip" } };
		case "json-br":
			return { bytes: zlib.brotliCompressSync(utf8), headers: { ...json, "content-encoding": "br" } };
		case "json-deflate":
			return { bytes: zlib.deflateSync(utf8), headers: { ...json, "content-encoding": "deflate" } };
		case "fake-gzip":
			return { bytes: utf8, headers: { ...json, "content-encoding": "gzip" } };
		case "fake-br":
			return { bytes: utf8, headers: { ...json, "content-encoding": "br" } };
		case "fake-deflate":
			return { bytes: utf8, headers: { ...json, "content-encoding": "deflate" } };
		case "unknown-encoding":
			return { bytes: utf8, headers: { ...json, "content-encoding": "compress, zstd" } };
		case "text-plain":
			return { bytes: utf8, headers: { "content-type": "text/plain" } };
		case "no-content-type":
			return { bytes: utf8, headers: {} };
		case "form":
			return {
				bytes: Buffer.from(new URLSearchParams(pairs).toString()),
				headers: { "content-type": "application/x-www-form-urlencoded" }
			};
		case "multipart": {
			const boundary = "fuzzboundary";
			const parts = pairs.map(([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`);
			return {
				bytes: Buffer.from(`${parts.join("")}--${boundary}--\r\n`),
				headers: { "content-type": `multipart/form-data; boundary=${boundary}` }
			};
		}
		case "xml": {
			const xml = pairs.map(([k, v]) => `<${k}>${v.replace(/[<&]/g, c => (c === "<" ? "&lt;" : "&amp;"))}</${k}>`).join("");
			return { bytes: Buffer.from(`<?xml version="1.0"?><body>${xml}</body>`), headers: { "content-type": "application/xml" } };
		}
		case "utf-16":
			return { bytes: Buffer.from(text, "utf16le"), headers: { "content-type": "application/json; charset=utf-16" } };
		case "latin1":
			return { bytes: Buffer.from(text, "latin1"), headers: { "content-type": "application/json; charset=iso-8859-1" } };
		case "invalid-utf8":
			return { bytes: Buffer.concat([utf8.subarray(0, 1), Buffer.from([0xff, 0xfe, 0xc3]), utf8.subarray(1)]), headers: json };
		case "bom":
			return { bytes: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), utf8]), headers: json };
		case "vendor-json":
			return { bytes: utf8, headers: { "content-type": "application/merge-patch+json; charset=UTF-8" } };
	}
}

function authorization(r: FuzzRequest, accounts: Accounts, secret: string): string | undefined {
	if (r.role === "anonymous" || r.auth === "none") return undefined;
	const account = r.role === "admin" ? accounts.admin : accounts.customer;
	const claims = { sub: account.id, roles: [r.role], jti: randomUUID(), sid: randomUUID() };
	switch (r.auth) {
		case "role":
			return `Bearer ${signAccessToken(claims, 3600, secret)}`;
		case "garbage":
			return "Bearer not.a.token";
		case "wrong-secret":
			return `Bearer ${signAccessToken(claims, 3600, "another-secret")}`;
		case "expired":
			return `Bearer ${signAccessToken(claims, -10, secret)}`;
		case "alg-none": {
			const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
			return `Bearer ${b64({ alg: "none", typ: "JWT" })}.${b64({ ...claims, roles: ["admin"], exp: 9999999999 })}.`;
		}
		case "basic":
			return `Basic ${Buffer.from("admin:admin").toString("base64")}`;
	}
}

export interface FuzzResponse {
	status: number;
	headers: http.IncomingHttpHeaders;
	text: string;
}

/** Sends the request as is (no URL normalisation, unlike fetch), on a fresh connection. */
export function send(baseUrl: string, r: FuzzRequest, accounts: Accounts, secret: string, timeoutMs = 20_000): Promise<FuzzResponse> {
	const { hostname, port } = new URL(baseUrl);
	const { bytes, headers } = encodeBody(r);
	const auth = authorization(r, accounts, secret);
	if (auth) headers.authorization = auth;
	if (r.idempotencyKey !== undefined) headers["idempotency-key"] = r.idempotencyKey;
	Object.assign(headers, r.headers);
	// A chunked body has no length; without a body, "chunked" announces an empty one.
	if (bytes && !headers["transfer-encoding"]) headers["content-length"] = String(bytes.length);
	return new Promise((resolve, reject) => {
		const req = http.request({ host: hostname, port, method: r.method, path: r.url, headers, agent: false }, res => {
			const chunks: Buffer[] = [];
			res.on("data", c => chunks.push(c));
			res.on("end", () =>
				resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString("utf8") })
			);
			res.on("error", reject);
		});
		req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
		req.on("error", err => {
			// A server may answer (413) and close before the whole body is written: wait a moment for that answer.
			const code = (err as NodeJS.ErrnoException).code;
			if (code === "EPIPE" || code === "ECONNRESET") setTimeout(() => reject(err), 2_000).unref();
			else reject(err);
		});
		req.end(bytes);
	});
}
