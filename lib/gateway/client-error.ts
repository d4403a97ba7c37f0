/**
 * Answers the requests Node's HTTP parser refuses before any handler sees them (headers too large,
 * a request not complete within the server's timeouts, malformed HTTP) with the one error body,
 * instead of Node's plain-text default. Registered on the server's 'clientError' event, which
 * replaces that default: like Node, it writes only when nothing of a response went out on the
 * socket yet, always closes the connection, and stays silent on a connection the client reset.
 */
import { STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import type { ErrorBody } from "./error-body";

interface ParserError extends Error {
	code?: string;
}

const ANSWERS: Record<string, { status: number; type: string; message: string }> = {
	HPE_HEADER_OVERFLOW: { status: 431, type: "HEADERS_TOO_LARGE", message: "The request headers are too large" },
	HPE_CHUNK_EXTENSIONS_OVERFLOW: { status: 413, type: "PAYLOAD_TOO_LARGE", message: "The chunk extensions are too large" },
	ERR_HTTP_REQUEST_TIMEOUT: { status: 408, type: "REQUEST_TIMEOUT", message: "The request was not received in time" }
};
const BAD_REQUEST = { status: 400, type: "BAD_REQUEST", message: "The request is not valid HTTP" };

/** The status and error body for a parser error code (ERR_HTTP_REQUEST_TIMEOUT: 408, ...). */
export function clientErrorBody(code: string | undefined): { status: number; body: ErrorBody } {
	const { status, type, message } = ANSWERS[code ?? ""] ?? BAD_REQUEST;
	return { status, body: { error: { type, message, code: status } } };
}

/** The raw HTTP/1.1 response for a parser error: the error body, Connection: close. */
export function clientErrorResponse(err: ParserError): string {
	const { status, body } = clientErrorBody(err.code);
	const json = JSON.stringify(body);
	return (
		`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
		"Content-Type: application/json; charset=utf-8\r\n" +
		`Content-Length: ${Buffer.byteLength(json)}\r\n` +
		"Cache-Control: no-store\r\n" +
		"X-Content-Type-Options: nosniff\r\n" +
		"Connection: close\r\n\r\n" +
		json
	);
}

/**
 * The response each connection is answering, noted as requests arrive: a parser error on a
 * connection whose response has begun and not ended (pipelining) must not write a second one.
 * Node's own default answer reads its private `socket._httpMessage` for this; a WeakMap of our own
 * says the same through public properties only.
 */
const responding = new WeakMap<Duplex, ServerResponse>();

export function answerClientError(err: ParserError, socket: Duplex): void {
	const res = responding.get(socket);
	const started = !!res && res.headersSent && !res.writableFinished;
	if (err.code !== "ECONNRESET" && socket.writable && !started) socket.write(clientErrorResponse(err));
	socket.destroy();
}

/** Makes `server` answer parser errors with the error body. */
export function answerClientErrorsWithJson(server: Server): void {
	server.on("request", (req: IncomingMessage, res: ServerResponse) => responding.set(req.socket, res));
	server.on("clientError", (err: ParserError, socket: Duplex) => answerClientError(err, socket));
}
