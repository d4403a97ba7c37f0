/**
 * The cart as clients see it: each line with the catalog's current name and price, its subtotal,
 * and the total, computed in integer minor units. A product that left the catalog stays listed
 * (so the customer sees it went) with `available: false` and counts for nothing.
 */
import { fromMinor, toMinor } from "../money";
import type { CartDoc } from "./collections";

export interface CatalogProduct {
	id: string;
	name: string;
	price: number;
	currency: string;
}

export interface CartViewLine {
	productId: string;
	quantity: number;
	available: boolean;
	name?: string;
	price?: number;
	currency?: string;
	subtotal?: number;
}

export interface CartView {
	userId: string;
	items: CartViewLine[];
	itemCount: number;
	/** Null when the lines are priced in more than one currency (only if a product's currency changed). */
	total: number | null;
	currency: string | null;
	updatedAt: string | null;
}

export async function cartView(
	userId: string,
	cart: CartDoc | null,
	getProduct: (id: string) => Promise<CatalogProduct | null>
): Promise<CartView> {
	const lines = cart?.items ?? [];
	const products = await Promise.all(lines.map(l => getProduct(l.productId)));
	const currencies = new Set<string>();
	let totalMinor = 0;
	const items = lines.map((line, i): CartViewLine => {
		const p = products[i];
		if (!p) return { productId: line.productId, quantity: line.quantity, available: false };
		const subtotalMinor = toMinor(p.price) * line.quantity;
		totalMinor += subtotalMinor;
		currencies.add(p.currency);
		return {
			productId: line.productId,
			quantity: line.quantity,
			available: true,
			name: p.name,
			price: fromMinor(toMinor(p.price)),
			currency: p.currency,
			subtotal: fromMinor(subtotalMinor)
		};
	});
	const single = currencies.size <= 1;
	return {
		userId,
		items,
		itemCount: lines.reduce((n, l) => n + l.quantity, 0),
		total: single ? fromMinor(totalMinor) : null,
		currency: single ? ([...currencies][0] ?? null) : null,
		updatedAt: cart?.updatedAt ?? null
	};
}
