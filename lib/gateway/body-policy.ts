/**
 * What the gateway accepts as a request body, checked once for every route before authentication
 * (in place of moleculer-web's body-parser, which skipped a body it did not recognise, so a JSON
 * text sent as text/plain, a form or XML reached the action as no body at all and answered 200).
 *
 * - No body, or an empty one: no fields (the action's validator says whether it needs any).
 * - A body is JSON: Content-Type application/json or application/*+json, UTF-8; anything else,
 *   or no Content-Type, is a 415.
 * - Content-Encoding gzip, x-gzip, deflate, br or identity; another coding is a 415 (with
 *   Accept-Encoding, as RFC 9110 asks); a body that does not decode is a 400, logged as a warning
 *   (a client's mistake, not ours: no stack).
 * - More than `limit` bytes, before or after decoding: 413. Not JSON: 400. JSON but not an object
 *   (`[]`, a string, a number, null): 422 naming the field `body`.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { promisify } from "node:util";
import zlib from "node:zlib";
import { Errors } from "moleculer";
import { invalidField } from "../errors";

const { MoleculerClientError } = Errors;

/** The gateway's body limit: 1 MB, as sent and once decoded. */
export const BODY_LIMIT_BYTES = 1024 * 1024;

export interface BodyPolicyOptions {
	/** Largest body in bytes, as sent and once decoded. */
	limit: number;
	logger: { warn(...args: unknown[]): void };
}

type Req = IncomingMessage & { body?: unknown; originalUrl?: string };
type Next = (err?: unknown) => void;

const SUPPORTED_ENCODINGS = "gzip, deflate, br";

type Decoder = (buf: Buffer, opts: zlib.ZlibOptions & zlib.BrotliOptions) => Promise<Buffer>;
const DECODERS: Record<string, Decoder> = {
	gzip: promisify(zlib.gunzip),
	"x-gzip": promisify(zlib.gunzip),
	deflate: promisify(zlib.inflate),
	br: promisify(zlib.brotliDecompress)
};

const utf8 = new TextDecoder("utf-8", { fatal: true });

function headerError(status: number, type: string, header: string, message: string) {
	return new MoleculerClientError(message, status, type, [{ field: header, type: "header", message }]);
}

function tooLarge(limit: number) {
	return new MoleculerClientError(`Request body is larger than the ${Math.round(limit / 1024)} KB limit`, 413, "PAYLOAD_TOO_LARGE");
}

const notJson = () => new MoleculerClientError("Request body is not valid JSON", 400, "INVALID_REQUEST_BODY");

/** True for application/json and application/<anything>+json, in UTF-8 (the JSON default). */
function isJsonType(contentType: string): boolean {
	const [mediaType, ...params] = contentType.split(";").map(p => p.trim().toLowerCase());
	if (mediaType !== "application/json" && !/^application\/[a-z0-9!#$&^_.-]+\+json$/.test(mediaType)) return false;
	const charset = params
		.find(p => p.startsWith("charset="))
		?.slice("charset=".length)
		.replace(/"/g, "");
	return charset === undefined || charset === "utf-8" || charset === "utf8";
}

/** The raw bytes, at most `limit` of them; past that the rest is left unread and the connection closed. */
function readRaw(req: Req, res: ServerResponse, limit: number): Promise<Buffer> {
	const declared = Number(req.headers["content-length"]);
	if (declared > limit) {
		res.shouldKeepAlive = false;
		return Promise.reject(tooLarge(limit));
	}
	return new Promise((resolve, reject) => {
		const chunks: Buffer[] = [];
		let size = 0;
		const cleanup = () => {
			req.off("data", onData);
			req.off("end", onEnd);
			req.off("error", onError);
		};
		const onData = (chunk: Buffer) => {
			size += chunk.length;
			if (size <= limit) return void chunks.push(chunk);
			cleanup();
			req.pause();
			res.shouldKeepAlive = false;
			reject(tooLarge(limit));
		};
		const onEnd = () => {
			cleanup();
			resolve(Buffer.concat(chunks, size));
		};
		const onError = (err: Error) => {
			cleanup();
			reject(new MoleculerClientError(`The request body could not be read: ${err.message}`, 400, "INVALID_REQUEST_BODY"));
		};
		req.on("data", onData);
		req.on("end", onEnd);
		req.on("error", onError);
	});
}

async function decode(raw: Buffer, req: Req, res: ServerResponse, opts: BodyPolicyOptions): Promise<Buffer> {
	const coding = String(req.headers["content-encoding"] ?? "identity")
		.trim()
		.toLowerCase();
	if (coding === "identity" || coding === "") return raw;
	const decoder = DECODERS[coding];
	if (!decoder) {
		res.setHeader("Accept-Encoding", SUPPORTED_ENCODINGS);
		throw headerError(
			415,
			"UNSUPPORTED_MEDIA_TYPE",
			"Content-Encoding",
			`Content-Encoding '${coding}' is not supported; use ${SUPPORTED_ENCODINGS} or none`
		);
	}
	try {
		return await decoder(raw, { maxOutputLength: opts.limit });
	} catch (err) {
		if ((err as { code?: string }).code === "ERR_BUFFER_TOO_LARGE") throw tooLarge(opts.limit);
		const reason = (err as Error).message;
		opts.logger.warn(`${req.method} ${req.originalUrl ?? req.url}: the body does not decode as '${coding}' (${reason})`);
		throw headerError(400, "INVALID_CONTENT_ENCODING", "Content-Encoding", `The request body is not valid '${coding}' data`);
	}
}

/** The parsed body of a request: {} when it has none. */
export async function readJsonBody(req: Req, res: ServerResponse, opts: BodyPolicyOptions): Promise<Record<string, unknown>> {
	const raw = await readRaw(req, res, opts.limit);
	if (raw.length === 0) return {};
	const contentType = req.headers["content-type"];
	if (!contentType || !isJsonType(contentType))
		throw headerError(
			415,
			"UNSUPPORTED_MEDIA_TYPE",
			"Content-Type",
			contentType
				? `A request body must be JSON in UTF-8 (Content-Type: application/json), not '${contentType}'`
				: "A request body needs Content-Type: application/json"
		);
	const bytes = await decode(raw, req, res, opts);
	if (bytes.length === 0) return {};
	let value: unknown;
	try {
		value = JSON.parse(utf8.decode(bytes));
	} catch {
		throw notJson();
	}
	if (value === null || typeof value !== "object" || Array.isArray(value))
		throw invalidField("body", "The request body must be a JSON object", "object");
	return value as Record<string, unknown>;
}

/** Whether the request carries a body at all (HTTP/1.1: a length other than 0, or chunks). */
function hasBody(req: IncomingMessage): boolean {
	const length = req.headers["content-length"];
	return req.headers["transfer-encoding"] !== undefined || (length !== undefined && length !== "0");
}

/** The policy as a moleculer-web route middleware: sets req.body or fails the request. */
export function bodyPolicy(opts: BodyPolicyOptions) {
	return function bodyPolicyMiddleware(req: Req, res: ServerResponse, next: Next) {
		if (!hasBody(req)) {
			req.body = {};
			return next();
		}
		readJsonBody(req, res, opts).then(body => {
			req.body = body;
			next();
		}, next);
	};
}
