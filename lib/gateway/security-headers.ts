/**
 * Security headers of every gateway response. JSON answers get the strictest policy (nothing may
 * load, nothing may frame them); the API docs page may load its own scripts, styles and images
 * (swagger-ui, served by the gateway itself: no CDN). HSTS is sent only on requests that reached us
 * over TLS, directly or through a trusted proxy (X-Forwarded-Proto), and HSTS_MAX_AGE=0 turns it off.
 */
import type { IncomingMessage } from "node:http";

export const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/** swagger-ui sets inline style attributes, hence 'unsafe-inline' for styles only; scripts are files of ours. */
export const DOCS_CSP =
	"default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; " +
	"connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

export interface SecurityHeaderOptions {
	hstsMaxAge: number;
	trustProxyHops: number;
}

/** Header name/value pairs, flat (name, value, name, value, ...), as writeHead takes them. */
export type FlatHeaders = string[];

function common(csp: string): FlatHeaders {
	return [
		"X-Content-Type-Options",
		"nosniff",
		"X-Frame-Options",
		"DENY",
		"Referrer-Policy",
		"no-referrer",
		"Content-Security-Policy",
		csp,
		"Cross-Origin-Opener-Policy",
		"same-origin"
	];
}

export class SecurityHeaders {
	readonly api: FlatHeaders = common(API_CSP);
	readonly docs: FlatHeaders = common(DOCS_CSP);
	readonly hsts: string | null;

	constructor(private readonly opts: SecurityHeaderOptions) {
		this.hsts = opts.hstsMaxAge > 0 ? `max-age=${Math.floor(opts.hstsMaxAge)}` : null;
	}

	/** Whether the client talked TLS: to us directly, or to a proxy we trust that says so. */
	secure(req: IncomingMessage): boolean {
		if ((req.socket as { encrypted?: boolean }).encrypted) return true;
		if (this.opts.trustProxyHops <= 0) return false;
		const proto = req.headers["x-forwarded-proto"];
		const value = (Array.isArray(proto) ? proto[0] : proto)?.split(",").pop()?.trim().toLowerCase();
		return value === "https";
	}

	/** The headers for this request, HSTS included when it came over TLS. */
	for(req: IncomingMessage, docs: boolean): FlatHeaders {
		const base = docs ? this.docs : this.api;
		return this.hsts && this.secure(req) ? [...base, "Strict-Transport-Security", this.hsts] : base;
	}
}
