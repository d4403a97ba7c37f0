/** An order's lines as inventory handles them: one line per product, sorted by productId. */
import { invalidField } from "../errors";
import type { Store } from "../store";
import type { ItemDoc, ReservationLine } from "./collections";

export interface OrderLine {
	productId: string;
	quantity: number;
}

/**
 * Merges repeated products (quantities add up) and sorts by productId (code points, the same on
 * every node), so every reservation touches items in one global order.
 */
export function normalizeLines(items: OrderLine[]): OrderLine[] {
	if (!items.length) throw invalidField("items", "An order needs at least one line.");
	const byProduct = new Map<string, number>();
	for (const { productId, quantity } of items) {
		// Actions validate their params; events do not, and a negative quantity would add stock.
		if (typeof productId !== "string" || !productId) throw invalidField("items.productId", "Every line needs a productId.");
		if (!Number.isInteger(quantity) || quantity < 1) throw invalidField("items.quantity", "Every quantity must be a positive integer.");
		byProduct.set(productId, (byProduct.get(productId) ?? 0) + quantity);
	}
	return [...byProduct.entries()]
		.map(([productId, quantity]) => ({ productId, quantity }))
		.sort((a, b) => (a.productId < b.productId ? -1 : a.productId > b.productId ? 1 : 0));
}

/** Adds the stock item of each line (absent when the product has none). */
export async function withItemIds(items: Store<ItemDoc>, lines: OrderLine[]): Promise<ReservationLine[]> {
	const found = await items.find({ where: { productId: { in: lines.map(l => l.productId) } } });
	const idOf = new Map(found.map(i => [i.productId, i.id]));
	return lines.map(l => {
		const itemId = idOf.get(l.productId);
		return itemId ? { ...l, itemId } : { ...l };
	});
}

/** The lines as events carry them. */
export function publicLines(lines: ReservationLine[]): OrderLine[] {
	return lines.map(({ productId, quantity }) => ({ productId, quantity }));
}
