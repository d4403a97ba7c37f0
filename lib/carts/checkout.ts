/**
 * POST /cart/checkout: the cart's lines become an order through orders.create (which takes every
 * price from the catalog), and only once the order exists are those lines taken out of the cart.
 *
 * Double submits: the order is placed under the client's Idempotency-Key, or without one under a
 * key derived from the cart's id and version, so two concurrent checkouts of the same cart place
 * one order. A replayed checkout (the order already existed) leaves the cart alone; a retry with
 * the client's key after the cart was emptied answers the first order.
 */
import { invalidField } from "../errors";
import type { Store } from "../store";
import type { CartDoc, CartLine } from "./collections";
import { sameLines, subtractLines } from "./cart-lines";
import { findCart, mutateCart } from "./cart-store";

export interface CheckoutDeps {
	store: Store<CartDoc>;
	/** orders.create under this Idempotency-Key; `replayed` when the key had already placed the order. */
	createOrder(
		body: Record<string, unknown>,
		idempotencyKey: string
	): Promise<{ order: { id: string; items: CartLine[] }; replayed: boolean }>;
	/** orders.byIdempotencyKey: the order this user's key placed, or null. */
	findOrderByKey(key: string): Promise<{ id: string } | null>;
}

export interface CheckoutInput {
	userId: string;
	clientKey?: string;
	body: Record<string, unknown>;
}

export function derivedKey(cart: Pick<CartDoc, "id" | "version">): string {
	return `cart:${cart.id}:v${cart.version ?? 0}`;
}

export async function checkout<O extends { id: string; items: CartLine[] }>(
	deps: CheckoutDeps,
	input: CheckoutInput
): Promise<{ order: O; replayed: boolean }> {
	const cart = await findCart(deps.store, input.userId);
	if (!cart || !cart.items.length) {
		const first = input.clientKey ? await deps.findOrderByKey(input.clientKey) : null;
		if (first) return { order: first as O, replayed: true };
		throw invalidField("items", "The cart is empty.", "cartEmpty");
	}
	const key = input.clientKey ?? derivedKey(cart);
	const { order, replayed } = await deps.createOrder({ ...input.body, items: cart.items }, key);
	if (!replayed) {
		const taken = order.items.map(l => ({ productId: l.productId, quantity: l.quantity }));
		await mutateCart(deps.store, input.userId, current => {
			const left = subtractLines(current.items, taken);
			return sameLines(left, current.items) ? null : { items: left };
		});
	}
	return { order: order as O, replayed };
}
