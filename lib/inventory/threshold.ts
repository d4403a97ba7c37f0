import { MIN_LOW_STOCK_THRESHOLD } from "./constants";

/** The default low-stock threshold for an item created with this stock: max(5, ceil(10% of it)). */
export function defaultLowStockThreshold(initialStock: number): number {
	return Math.max(MIN_LOW_STOCK_THRESHOLD, Math.ceil(initialStock / 10));
}
