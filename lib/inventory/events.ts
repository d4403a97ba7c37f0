/** The events the inventory service emits and their data (docs/order-flow.md): the contract its consumers import. */
import type { LowStockAlert } from "./low-stock";
import type { OrderLine } from "./order-lines";
import type { InventoryItem } from "./shape";

/** inventory.reserved, inventory.released, inventory.committed. */
export interface ReservationLinesData {
	orderId: string;
	items: OrderLine[];
}

export interface ReservationFailedData {
	orderId: string;
	reason: "out_of_stock";
	/** The product that was short. */
	productId: string;
}

export interface StockAdjustedData {
	productId: string;
	itemId: string;
	delta: number;
	onHand: number;
	reserved: number;
	available: number;
	reason: string;
}

export type LowStockData = LowStockAlert;

export interface InventoryEvents {
	"inventory.created": InventoryItem;
	"inventory.adjusted": StockAdjustedData;
	"inventory.reserved": ReservationLinesData;
	"inventory.reservation_failed": ReservationFailedData;
	"inventory.released": ReservationLinesData;
	"inventory.committed": ReservationLinesData;
	"inventory.low_stock": LowStockData;
}
