/**
 * Shared by the payments and shipping tests: access tokens, an event probe on the test broker,
 * order events in the real envelope, and polling.
 */
import { randomUUID } from "node:crypto";
import type { Context, ServiceBroker } from "moleculer";
import { createEvent, type DomainEvent } from "../../lib/events";
import { signAccessToken } from "../../lib/jwt";

/** Tokens are minted with the secret test/setup-env.js fixes in JWT_SECRET, as the gateway verifies them. */
export function accessToken(userId: string, roles: string[] = ["customer"]): string {
	return signAccessToken({ sub: userId, roles, jti: randomUUID(), sid: randomUUID() }, 900, process.env.JWT_SECRET!);
}

export interface Probe {
	readonly events: DomainEvent<any>[];
	of(type: string, orderId?: string): DomainEvent<any>[];
	/** Resolves with the first event of this type (for this order) received, waiting for it if need be. */
	next(type: string, orderId?: string, timeoutMs?: number): Promise<DomainEvent<any>>;
	clear(): void;
}

/** A service on the broker that records every event of the given types (one balanced delivery each). */
export async function attachProbe(broker: ServiceBroker, types: string[], name = "probe"): Promise<Probe> {
	const events: DomainEvent<any>[] = [];
	broker.createService({
		name,
		events: Object.fromEntries(types.map(type => [type, (ctx: Context<DomainEvent<any>>) => void events.push(ctx.params)]))
	});
	await broker.waitForServices(name);
	const of = (type: string, orderId?: string) => events.filter(e => e.type === type && (!orderId || e.data?.orderId === orderId));
	return {
		events,
		of,
		async next(type, orderId, timeoutMs = 5000) {
			return eventually(() => of(type, orderId)[0], `${type}${orderId ? ` of order ${orderId}` : ""}`, timeoutMs);
		},
		clear: () => void events.splice(0)
	};
}

/** Emits an order event in the envelope the orders service uses; returns the envelope. */
export async function emitOrderEvent<T extends { orderId: string }>(broker: ServiceBroker, type: string, data: T): Promise<DomainEvent<T>> {
	const event = createEvent("orders", type, data.orderId, data);
	await broker.emit(type, event);
	return event;
}

export async function eventually<T>(
	check: () => T | undefined | null | false | Promise<T | undefined | null | false>,
	what: string,
	timeoutMs = 5000
): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = await check();
		if (value) return value;
		if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
		await sleep(10);
	}
}

export const sleep = (ms: number) => new Promise<void>(resolve => setTimeout(resolve, ms));

/** Lets handlers still running finish, so "nothing else happened" can be asserted. */
export const settle = () => sleep(150);
