/** The `carts` collection: one cart per user, lines of product and quantity (prices are never stored here). */
import type { CollectionSpec } from "../store";

export interface CartLine {
	productId: string;
	quantity: number;
}

export interface CartDoc {
	id: string;
	userId: string;
	items: CartLine[];
	/** Incremented by every write: writes are compare-and-set on it (see cart-store.ts). */
	version: number;
	/** Idempotency-Keys of the latest POST /cart/items applied, so a retry adds nothing twice. */
	appliedKeys: string[];
	createdAt: string;
	updatedAt: string;
	[key: string]: unknown;
}

export const cartsCollection: CollectionSpec = {
	name: "carts",
	fields: {
		userId: { type: "string", required: true, unique: true },
		items: { type: "json", required: true },
		version: { type: "integer", required: true, default: 0 },
		appliedKeys: { type: "json", required: true },
		createdAt: { type: "string", required: true },
		updatedAt: { type: "string", required: true }
	}
};
