/** Pure changes of a cart's lines; each returns new lines or throws a 422 naming the field. */
import { invalidField } from "../errors";
import type { CartLine } from "./collections";
import { MAX_CART_LINES, MAX_LINE_QUANTITY } from "./constants";

/** Adds to the product's line (created when absent). */
export function addLine(lines: CartLine[], productId: string, quantity: number): CartLine[] {
	const existing = lines.find(l => l.productId === productId);
	if (!existing) {
		if (lines.length >= MAX_CART_LINES)
			throw invalidField("productId", `A cart holds at most ${MAX_CART_LINES} different products.`, "cartFull");
		return [...lines, { productId, quantity }];
	}
	const total = existing.quantity + quantity;
	if (total > MAX_LINE_QUANTITY)
		throw invalidField(
			"quantity",
			`The cart would hold ${total} of this product; at most ${MAX_LINE_QUANTITY} per product.`,
			"numberMax"
		);
	return lines.map(l => (l.productId === productId ? { productId, quantity: total } : l));
}

/** Sets the product's quantity; 0 removes the line. */
export function setLine(lines: CartLine[], productId: string, quantity: number): CartLine[] {
	if (quantity === 0) return removeLine(lines, productId);
	if (!lines.some(l => l.productId === productId)) {
		if (lines.length >= MAX_CART_LINES)
			throw invalidField("productId", `A cart holds at most ${MAX_CART_LINES} different products.`, "cartFull");
		return [...lines, { productId, quantity }];
	}
	return lines.map(l => (l.productId === productId ? { productId, quantity } : l));
}

export function removeLine(lines: CartLine[], productId: string): CartLine[] {
	return lines.filter(l => l.productId !== productId);
}

/** What is left after an order took `taken` (lines added meanwhile survive; quantities added meanwhile too). */
export function subtractLines(lines: CartLine[], taken: CartLine[]): CartLine[] {
	const left = new Map(lines.map(l => [l.productId, l.quantity]));
	for (const t of taken) left.set(t.productId, (left.get(t.productId) ?? 0) - t.quantity);
	return lines.map(l => ({ productId: l.productId, quantity: left.get(l.productId)! })).filter(l => l.quantity > 0);
}

export function sameLines(a: CartLine[], b: CartLine[]): boolean {
	return a.length === b.length && a.every((l, i) => l.productId === b[i].productId && l.quantity === b[i].quantity);
}
