/**
 * Shared pieces of the inventory tests. Tokens are minted directly with signAccessToken and the
 * JWT_SECRET that test/setup-env.js fixes for every test process (the same secret the gateway
 * verifies with), so these tests do not depend on the users service.
 */
import { randomUUID } from "node:crypto";
import type { Context, ServiceBroker } from "moleculer";
import { loadConfig } from "../../lib/config";
import { createEvent, type DomainEvent } from "../../lib/events";
import { relayLaneOf } from "../../lib/outbox/relay-lane";
import { signAccessToken } from "../../lib/jwt";
import type { HttpResult } from "../helpers/http";

export const BASE = "/api/v1";

export function token(roles: string[], sub: string = randomUUID()): string {
	return signAccessToken({ sub, roles, jti: randomUUID(), sid: randomUUID() }, 900, process.env.JWT_SECRET!);
}

export const adminToken = (sub?: string) => token(["admin"], sub);
export const customerToken = (sub?: string) => token(["customer"], sub);

export function expectErrorBody(res: HttpResult, status: number, type?: string) {
	expect(res.status).toBe(status);
	expect(res.body).toEqual({ error: expect.objectContaining({ type: expect.any(String), message: expect.any(String), code: status }) });
	if (type) expect(res.body.error.type).toBe(type);
}

export interface Item {
	id: string;
	productId: string;
	onHand: number;
	reserved: number;
	available: number;
	lowStockThreshold: number;
	updatedAt: string;
}

export interface MovementRow {
	type: string;
	quantity: number;
	onHandBefore: number;
	onHandAfter: number;
	reservedBefore: number;
	reservedAfter: number;
	orderId?: string;
	actor: string;
	at: string;
}

/** Records every event of the given names, in order, on a probe service of a running broker. */
export async function eventProbe(broker: ServiceBroker, names: string[]) {
	const seen: DomainEvent<any>[] = [];
	const name = `probe-${randomUUID().slice(0, 8)}`;
	broker.createService({
		name,
		events: Object.fromEntries(names.map(n => [n, (ctx: Context<DomainEvent<any>>) => void seen.push(ctx.params)]))
	});
	await broker.waitForServices(name);
	return {
		all: seen,
		of: (type: string, subject?: string) => seen.filter(e => e.type === type && (subject === undefined || e.subject === subject)),
		clear: () => void seen.splice(0)
	};
}

/**
 * Waits until this process's relay lane has started every delivery it held: the events recorded so
 * far have reached their listeners (they go out after the answer, lib/outbox/relay-lane.ts).
 */
export async function relayed(): Promise<void> {
	const c = loadConfig();
	const lane = relayLaneOf(c.outboxRelayTurnMs, c.outboxRelayLagMs);
	do await new Promise(resolve => setImmediate(resolve));
	while (lane.waiting > 0);
	await new Promise(resolve => setImmediate(resolve));
}

/** Simulates the products service: emits product.created as it would, and returns the new item. */
export async function productCreated(broker: ServiceBroker, stock?: number, productId: string = randomUUID()): Promise<Item> {
	const data: Record<string, unknown> = { id: productId, name: `Product ${productId.slice(0, 6)}`, price: 10, currency: "EUR" };
	if (stock !== undefined) data.stock = stock;
	await broker.emit("product.created", createEvent("products", "product.created", productId, data));
	return broker.call("inventory.getByProduct", { productId });
}

/** All movements of an item, oldest first (through the internal API the history route uses). */
export async function allMovements(broker: ServiceBroker, itemId: string): Promise<MovementRow[]> {
	const rows: MovementRow[] = [];
	for (let page = 1; ; page++) {
		const res = (await broker.call("inventory.history", { id: itemId, page, pageSize: 100 })) as {
			items: MovementRow[];
			total: number;
		};
		rows.push(...res.items);
		if (rows.length >= res.total || res.items.length === 0) break;
	}
	return rows.reverse();
}

/** The sums of the movements' changes: what the item's onHand and reserved must be. */
export function movementTotals(rows: MovementRow[]) {
	return rows.reduce(
		(t, m) => ({ onHand: t.onHand + m.onHandAfter - m.onHandBefore, reserved: t.reserved + m.reservedAfter - m.reservedBefore }),
		{ onHand: 0, reserved: 0 }
	);
}

export async function expectHistoryAddsUp(broker: ServiceBroker, itemId: string) {
	const item: Item = await broker.call("inventory.get", { id: itemId });
	const totals = movementTotals(await allMovements(broker, itemId));
	expect(totals).toEqual({ onHand: item.onHand, reserved: item.reserved });
	expect(item.available).toBe(item.onHand - item.reserved);
	return item;
}
