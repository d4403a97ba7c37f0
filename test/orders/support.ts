/**
 * Shared bits of the orders and carts tests. Tokens are minted directly with the gateway's secret
 * (JWT_SECRET, fixed by test/setup-env.js), so the component suites do not depend on the users
 * service; the e2e suites register and log in for real.
 */
import { randomUUID } from "node:crypto";
import { signAccessToken } from "../../lib/jwt";
import type { Client } from "../helpers/http";

export function mintToken(roles: string[], sub: string = randomUUID()): string {
	return signAccessToken({ sub, roles, jti: randomUUID(), sid: randomUUID() }, 3600, process.env.JWT_SECRET!);
}

export interface TestUser {
	id: string;
	token: string;
}

export const customer = (id: string = randomUUID()): TestUser => ({ id, token: mintToken(["customer"], id) });
export const admin = (id: string = randomUUID()): TestUser => ({ id, token: mintToken(["admin"], id) });

const year = new Date().getFullYear() + 2;
export const CARDS = {
	ok: { cardNumber: "4242424242424242", expMonth: 12, expYear: year, cvc: "123" },
	declined: { cardNumber: "4000000000000002", expMonth: 12, expYear: year, cvc: "123" },
	insufficientFunds: { cardNumber: "4000000000009995", expMonth: 12, expYear: year, cvc: "123" },
	processingError: { cardNumber: "4000000000000119", expMonth: 12, expYear: year, cvc: "123" }
};

export const ADDRESS = { line1: "1 Test Street", city: "Berlin", postalCode: "10115", country: "DE" };

export const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

/** Polls `check` until it returns a truthy value; fails with the last value seen. */
export async function eventually<T>(
	what: string,
	check: () => Promise<T | undefined | null | false>,
	timeoutMs = 20_000,
	everyMs = 50
): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	let last: unknown;
	while (Date.now() < deadline) {
		try {
			const v = await check();
			if (v) return v;
			last = v;
		} catch (err) {
			last = err;
		}
		await sleep(everyMs);
	}
	throw new Error(`Timed out waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
}

/** Polls GET /orders/:id until the order has one of the statuses. */
export async function orderReaches(
	api: Client,
	token: string,
	orderId: string,
	statuses: string | string[],
	timeoutMs = 20_000
): Promise<any> {
	const wanted = Array.isArray(statuses) ? statuses : [statuses];
	let last: any;
	try {
		return await eventually(
			`order ${orderId} to become ${wanted.join("|")}`,
			async () => {
				const r = await api.get(`/api/v1/orders/${orderId}`, { token });
				last = r.body;
				return r.status === 200 && wanted.includes(r.body.status) ? r.body : null;
			},
			timeoutMs
		);
	} catch (err) {
		throw new Error(`${(err as Error).message}; order: ${JSON.stringify(last)}`);
	}
}
