/**
 * The stock audit. An item's `reserved` must equal the units its live reservations hold: the lines
 * of a "reserved" one, the applied lines of a "reserving" one. Units above that are orphans, taken by
 * a worker that died between the item's update and its record (possible with the ordered writes of a
 * standalone MongoDB server, and in data directories of releases up to 0.1.0) and held for no order:
 * the audit gives them back. Fewer reserved units than the reservations hold cannot be told apart by
 * order, so they are reported, not changed.
 *
 * Safe beside live traffic: every change of an item increments its `seq`, and a repair is
 * conditional on the seq read before the reservations were summed, so an item that moved meanwhile
 * is left for the next audit.
 */
import { TransactionsUnsupportedError, type Store } from "../store";
import type { ItemDoc, ReservationDoc, ReservationLine } from "./collections";
import type { MovementLog } from "./movements";
import { nowIso, type OpContext } from "./op-context";

export interface AuditResult {
	/** Items looked at. */
	items: number;
	/** Items whose orphaned units were given back, and how many units in all. */
	repairedItems: number;
	releasedUnits: number;
	/** Items holding fewer units than their reservations list (reported only). */
	shortItems: number;
	/** Items with orphans that changed during the audit: left for the next one. */
	skippedItems: number;
}

export interface AuditStores {
	items: Store<ItemDoc>;
	reservations: Store<ReservationDoc>;
	movements: MovementLog;
}

/** Re-arms an item's low-stock alert once units came back (LowStock.checkRise). */
export type Rearm = (item: ItemDoc) => Promise<void>;

const PAGE = 500;
const LIVE: ReservationDoc["status"][] = ["reserving", "reserved"];

/**
 * Lets the requests waiting on the event loop in between two pages: the embedded store answers a
 * read without waiting for anything, so without this an audit of 250,000 live reservations held
 * the event loop for seconds in one piece.
 */
const yieldToEventLoop = () => new Promise<void>(resolve => setImmediate(resolve));

/** Units each item's live reservations hold, read status by status, page by page in id order (an index seek). */
async function heldByItem(reservations: Store<ReservationDoc>): Promise<Map<string, number>> {
	const held = new Map<string, number>();
	for (const status of LIVE) {
		for (let after = ""; ; await yieldToEventLoop()) {
			const page = await reservations.find({
				where: { status, ...(after ? { id: { gt: after } } : {}) },
				sort: [["id", "asc"]],
				limit: PAGE
			});
			for (const r of page) {
				const lines: ReservationLine[] = r.status === "reserved" ? r.lines : (r.applied ?? []);
				for (const line of lines) if (line.itemId) held.set(line.itemId, (held.get(line.itemId) ?? 0) + line.quantity);
			}
			if (page.length < PAGE) break;
			after = page[page.length - 1]!.id;
		}
	}
	return held;
}

async function allItems(items: Store<ItemDoc>): Promise<ItemDoc[]> {
	const all: ItemDoc[] = [];
	for (let after = ""; ; await yieldToEventLoop()) {
		const page = await items.find({ where: after ? { id: { gt: after } } : {}, sort: [["id", "asc"]], limit: PAGE });
		all.push(...page);
		if (page.length < PAGE) return all;
		after = page[page.length - 1]!.id;
	}
}

/** Gives `units` orphaned units of `item` back, with their movement, if the item has not changed since it was read. */
async function release(stores: AuditStores, op: OpContext, item: ItemDoc, units: number): Promise<ItemDoc | null> {
	const repair = async (s: AuditStores) => {
		const after = await s.items.updateById(
			item.id,
			{ inc: { reserved: -units, available: units, seq: 1 }, set: { updatedAt: nowIso() } },
			{ seq: item.seq, reserved: { gte: units } }
		);
		if (!after) return null;
		await s.movements.record(op, after, {
			type: "release",
			quantity: units,
			inc: { reserved: -units },
			reason: "stock audit: units held by no reservation"
		});
		return after;
	};
	try {
		return await stores.items.transaction(tx =>
			repair({ items: tx.bind(stores.items), reservations: stores.reservations, movements: stores.movements.bind(tx) })
		);
	} catch (err) {
		if (!(err instanceof TransactionsUnsupportedError)) throw err;
		return repair(stores);
	}
}

export async function auditStock(stores: AuditStores, op: OpContext, rearm: Rearm): Promise<AuditResult> {
	// Items first: a reservation that changes after this read changes its item's seq too.
	const items = await allItems(stores.items);
	const held = await heldByItem(stores.reservations);
	const result: AuditResult = { items: items.length, repairedItems: 0, releasedUnits: 0, shortItems: 0, skippedItems: 0 };
	for (const item of items) {
		const expected = held.get(item.id) ?? 0;
		if (item.reserved < expected) result.shortItems++;
		if (item.reserved <= expected) continue;
		const orphans = item.reserved - expected;
		const after = await release(stores, op, item, orphans);
		if (!after) {
			result.skippedItems++;
			continue;
		}
		result.repairedItems++;
		result.releasedUnits += orphans;
		await rearm(after);
	}
	return result;
}
