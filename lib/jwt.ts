/**
 * Access tokens: HS256 JWTs carrying sub, roles, jti and sid (the refresh-token family, i.e. the
 * session, so a revoked session's access tokens are refused too).
 */
import { randomBytes } from "node:crypto";
import jwt from "jsonwebtoken";
import { loadConfig } from "./config";

export interface AccessClaims {
	sub: string;
	roles: string[];
	jti: string;
	sid: string;
	exp: number;
}

const ISSUER = "moleculer-shop";
let generated: string | null = null;

/**
 * JWT_SECRET, required in production. In development a random one is made once per process,
 * which is fine for one process but not for several nodes, hence the warning.
 */
export function jwtSecret(warn: (msg: string) => void = console.warn): string {
	const config = loadConfig();
	if (config.jwtSecret) return config.jwtSecret;
	if (config.isProduction) throw new Error("JWT_SECRET must be set when NODE_ENV=production");
	if (!generated) {
		generated = randomBytes(32).toString("base64url");
		warn("JWT_SECRET is not set: using a random secret for this process only (tokens die with it; set JWT_SECRET for several nodes)");
	}
	return generated;
}

export function signAccessToken(claims: Omit<AccessClaims, "exp">, ttlSeconds: number, secret: string): string {
	return jwt.sign({ roles: claims.roles, sid: claims.sid }, secret, {
		algorithm: "HS256",
		subject: claims.sub,
		jwtid: claims.jti,
		expiresIn: ttlSeconds,
		issuer: ISSUER
	});
}

/** Returns the claims, or null for a token that is malformed, forged or expired. */
export function verifyAccessToken(token: string, secret: string): AccessClaims | null {
	try {
		const payload = jwt.verify(token, secret, { algorithms: ["HS256"], issuer: ISSUER }) as jwt.JwtPayload;
		if (!payload.sub || !Array.isArray(payload.roles) || !payload.jti || !payload.sid || !payload.exp) return null;
		return { sub: payload.sub, roles: payload.roles as string[], jti: payload.jti, sid: payload.sid as string, exp: payload.exp };
	} catch {
		return null;
	}
}
