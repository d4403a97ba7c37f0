/**
 * Access tokens minted directly with the gateway's secret (JWT_SECRET, fixed by test/setup-env.js),
 * so the products tests do not depend on the users service. users-e2e.test.ts covers the real
 * register/login path.
 */
import { randomUUID } from "node:crypto";
import { signAccessToken } from "../../lib/jwt";

export function mintToken(roles: string[], sub: string = randomUUID()): string {
	return signAccessToken({ sub, roles, jti: randomUUID(), sid: randomUUID() }, 3600, process.env.JWT_SECRET!);
}

export const adminToken = (sub?: string) => mintToken(["admin"], sub);
export const customerToken = (sub?: string) => mintToken(["customer"], sub);
