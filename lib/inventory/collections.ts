/**
 * The inventory service's collections, on every adapter: stock items, reservations (one per
 * order) and the movement ledger (one line per change of an item, with before/after values).
 */
import type { CollectionSpec } from "../store";

/** A product's stock. `available` is always onHand - reserved, kept in the same atomic update. */
export interface ItemDoc {
	id: string;
	productId: string;
	onHand: number;
	reserved: number;
	available: number;
	lowStockThreshold: number;
	/** True while the item is at or below its threshold and the alert for that crossing was sent. */
	lowStockAlerted: boolean;
	/** Incremented by every change of the quantities, in the same atomic update: orders the ledger. */
	seq: number;
	createdAt: string;
	updatedAt: string;
	[key: string]: unknown;
}

export type ReservationStatus = "reserving" | "reserved" | "failed" | "released" | "committed";

/** One line of an order's reservation; `itemId` is absent when the product has no stock item. */
export interface ReservationLine {
	productId: string;
	quantity: number;
	itemId?: string;
}

export interface ReservationDoc {
	id: string;
	orderId: string;
	status: ReservationStatus;
	/** Sorted by productId, one line per product. */
	lines: ReservationLine[];
	/** Lines whose quantity is held on the item right now while reserving (crash recovery). */
	applied: ReservationLine[];
	/** Bumped by every write while reserving: each write is conditional on it, so one worker owns the reservation. */
	version: number;
	failedProductId?: string;
	createdAt: string;
	updatedAt: string;
	[key: string]: unknown;
}

export type MovementType = "create" | "adjust" | "reserve" | "release" | "commit";

export interface MovementDoc {
	id: string;
	itemId: string;
	productId: string;
	type: MovementType;
	/** Signed change of onHand for create/adjust; the (positive) order quantity otherwise. */
	quantity: number;
	onHandBefore: number;
	onHandAfter: number;
	reservedBefore: number;
	reservedAfter: number;
	/** The item's `seq` after this change: the exact order of an item's movements, on any node. */
	seq: number;
	orderId?: string;
	actor: string;
	reason?: string;
	at: string;
	[key: string]: unknown;
}

export const itemsCollection: CollectionSpec = {
	name: "inventory_items",
	fields: {
		productId: { type: "string", required: true, unique: true },
		onHand: { type: "integer", required: true },
		reserved: { type: "integer", required: true },
		available: { type: "integer", required: true, index: true },
		lowStockThreshold: { type: "integer", required: true },
		lowStockAlerted: { type: "boolean", required: true, index: true },
		seq: { type: "integer", required: true },
		createdAt: { type: "string", required: true, index: true },
		updatedAt: { type: "string", required: true }
	}
};

export const reservationsCollection: CollectionSpec = {
	name: "reservations",
	fields: {
		orderId: { type: "string", required: true, unique: true },
		status: { type: "string", required: true },
		lines: { type: "json", required: true },
		applied: { type: "json", required: true },
		version: { type: "integer", required: true },
		failedProductId: { type: "string" },
		createdAt: { type: "string", required: true },
		updatedAt: { type: "string", required: true }
	},
	// The stock audit reads the live reservations of one status page by page in id order: a seek here.
	// (On the status alone, SQLite read and sorted every live reservation for each page.)
	indexes: [{ fields: ["status", "id"] }]
};

export const movementsCollection: CollectionSpec = {
	name: "inventory_movements",
	fields: {
		itemId: { type: "string", required: true },
		productId: { type: "string", required: true },
		type: { type: "string", required: true },
		quantity: { type: "integer", required: true },
		onHandBefore: { type: "integer", required: true },
		onHandAfter: { type: "integer", required: true },
		reservedBefore: { type: "integer", required: true },
		reservedAfter: { type: "integer", required: true },
		seq: { type: "integer", required: true },
		orderId: { type: "string" },
		actor: { type: "string", required: true },
		reason: { type: "string" },
		at: { type: "string", required: true }
	},
	indexes: [{ fields: ["itemId", "seq", "id"] }]
};

export const COLLECTIONS = [itemsCollection, reservationsCollection, movementsCollection];
