/**
 * What every answer must be: never a 5xx; a 4xx carries exactly the one error body
 * `{ error: { type, message, code, data? } }` (lib/gateway/error-body.ts) as JSON, with `code` equal
 * to the status and no stack trace; a success labelled JSON parses.
 */
import type { Operation } from "./operations";
import type { FuzzRequest, FuzzResponse } from "./requests";

const STACK = /\n\s+at .+[:(]\d+|node_modules|\.ts:\d+/;

/** Why the answer breaks the contract, or undefined when it keeps it. */
export function problemWith(res: FuzzResponse): string | undefined {
	if (res.status >= 500) return `answered ${res.status}`;
	if (res.status < 100) return `no valid status (${res.status})`;
	const type = String(res.headers["content-type"] ?? "");
	if (res.status >= 400) {
		if (!type.startsWith("application/json")) return `a ${res.status} with Content-Type '${type}', not JSON`;
		let body: any;
		try {
			body = JSON.parse(res.text);
		} catch {
			return `a ${res.status} whose body is not JSON`;
		}
		const keys = body && typeof body === "object" ? Object.keys(body) : [];
		if (keys.length !== 1 || keys[0] !== "error") return `a ${res.status} whose body is not { error }`;
		const e = body.error;
		if (!e || typeof e !== "object" || Array.isArray(e)) return `a ${res.status} whose 'error' is not an object`;
		const extra = Object.keys(e).filter(k => !["type", "message", "code", "data"].includes(k));
		if (extra.length) return `a ${res.status} whose error has unexpected keys ${extra.join(", ")}`;
		if (typeof e.type !== "string" || !/^[A-Z][A-Z0-9_]*$/.test(e.type))
			return `a ${res.status} whose error.type is ${JSON.stringify(e.type)}`;
		if (typeof e.message !== "string" || e.message.length === 0) return `a ${res.status} without an error.message`;
		if (e.code !== res.status) return `a ${res.status} whose error.code is ${JSON.stringify(e.code)}`;
		if (STACK.test(res.text)) return `a ${res.status} that shows a stack trace or a source path`;
		return undefined;
	}
	if (type.startsWith("application/json") && res.text.length > 0) {
		try {
			JSON.parse(res.text);
		} catch {
			return `a ${res.status} labelled JSON whose body is not JSON`;
		}
	}
	return undefined;
}

/**
 * A success the caller may not have: no token (or a broken one) on a signed-in route, a customer on
 * an admin route. The web apps' page is not the API's answer.
 */
export function accessProblem(op: Operation, req: FuzzRequest, res: FuzzResponse): string | undefined {
	if (res.status >= 400 || op.access === "public" || isWebAppPage(req, res)) return undefined;
	if (req.role === "anonymous" || req.auth !== "role") return `a ${res.status} without a valid token on a route that needs one`;
	if (op.access === "admin" && req.role !== "admin") return `a ${res.status} for a ${req.role} on an admin route`;
	return undefined;
}

/**
 * Another customer's data reached by a customer or by anyone anonymous: a success acting on it (its
 * id in the path, or in the body of a write: an order shipped to another's addressId), or showing it
 * when the request did not name it (a list filtered by another's order id may answer, empty).
 */
export function leakProblem(req: FuzzRequest, res: FuzzResponse, secrets: string[]): string | undefined {
	if (req.role === "admin" || res.status >= 300 || isWebAppPage(req, res)) return undefined;
	const path = req.url.split("?")[0];
	const write = req.method !== "GET" ? (req.body ?? "") : "";
	const named = secrets.filter(secret => path.includes(secret) || write.includes(secret));
	if (named.length) return `a ${res.status} to a request acting on another customer's ${named.join(", ")}`;
	const asked = `${req.url} ${req.body ?? ""}`;
	const leaked = secrets.filter(
		secret => res.text.includes(secret) && !asked.includes(secret) && !asked.includes(encodeURIComponent(secret))
	);
	return leaked.length ? `a ${res.status} showing another customer's ${leaked.join(", ")}` : undefined;
}

/** The web apps' page, served to a browser navigating to a path outside /api (/API/V1/... included). */
function isWebAppPage(req: FuzzRequest, res: FuzzResponse): boolean {
	return String(res.headers["content-type"] ?? "").startsWith("text/html") && !req.url.startsWith("/api/");
}

/** Keys that must never reach a client: password and refresh-token hashes, the card's token and its number and code. */
const SECRET_KEYS = new Set(["passwordHash", "tokenHash", "token", "cardNumber", "cvc"]);

/** A stored secret in any answer, to anyone (found by its key anywhere in the JSON; the OpenAPI document names fields, it holds none). */
export function secretKeyProblem(op: Operation, res: FuzzResponse): string | undefined {
	if (op.id === "api.openapi" || !String(res.headers["content-type"] ?? "").startsWith("application/json")) return undefined;
	let body: unknown;
	try {
		body = JSON.parse(res.text);
	} catch {
		return undefined;
	}
	const stack: unknown[] = [body];
	while (stack.length) {
		const value = stack.pop();
		if (!value || typeof value !== "object") continue;
		for (const [key, inner] of Object.entries(value)) {
			if (SECRET_KEYS.has(key)) return `a ${res.status} showing '${key}'`;
			stack.push(inner);
		}
	}
	return undefined;
}
