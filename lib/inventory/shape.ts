/** What clients see of stored inventory documents. */
import type { ItemDoc, MovementDoc } from "./collections";

export interface InventoryItem {
	id: string;
	productId: string;
	onHand: number;
	reserved: number;
	available: number;
	lowStockThreshold: number;
	updatedAt: string;
}

export function toPublicItem(doc: ItemDoc): InventoryItem {
	return {
		id: doc.id,
		productId: doc.productId,
		onHand: doc.onHand,
		reserved: doc.reserved,
		available: doc.available,
		lowStockThreshold: doc.lowStockThreshold,
		updatedAt: doc.updatedAt
	};
}

export interface Movement {
	id: string;
	itemId: string;
	productId: string;
	type: MovementDoc["type"];
	quantity: number;
	onHandBefore: number;
	onHandAfter: number;
	reservedBefore: number;
	reservedAfter: number;
	orderId?: string;
	actor: string;
	reason?: string;
	at: string;
}

export function toPublicMovement(doc: MovementDoc): Movement {
	const out: Movement = {
		id: doc.id,
		itemId: doc.itemId,
		productId: doc.productId,
		type: doc.type,
		quantity: doc.quantity,
		onHandBefore: doc.onHandBefore,
		onHandAfter: doc.onHandAfter,
		reservedBefore: doc.reservedBefore,
		reservedAfter: doc.reservedAfter,
		actor: doc.actor,
		at: doc.at
	};
	if (doc.orderId) out.orderId = doc.orderId;
	if (doc.reason) out.reason = doc.reason;
	return out;
}
