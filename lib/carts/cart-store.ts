/**
 * Cart writes. Concurrency rule: every write is a compare-and-set on the cart's `version` (read,
 * compute the new lines, update where version is unchanged, retry on a lost race), so two
 * concurrent additions both count and nothing is lost; it is not last-writer-wins. The cart
 * document of a user is created once (unique userId) and never deleted, so its version only grows.
 */
import { ConflictError } from "../errors";
import { DuplicateKeyError, type Store } from "../store";
import type { CartDoc, CartLine } from "./collections";
import { REMEMBERED_KEYS } from "./constants";

const MAX_ATTEMPTS = 20;

export async function findCart(store: Store<CartDoc>, userId: string): Promise<CartDoc | null> {
	return store.findOne({ userId });
}

export async function ensureCart(store: Store<CartDoc>, userId: string): Promise<CartDoc> {
	const existing = await findCart(store, userId);
	if (existing) return existing;
	const at = new Date().toISOString();
	try {
		return await store.insert({ userId, items: [], version: 0, appliedKeys: [], createdAt: at, updatedAt: at });
	} catch (err) {
		// Created concurrently by another request of the same user.
		if (!(err instanceof DuplicateKeyError)) throw err;
		const cart = await findCart(store, userId);
		if (!cart) throw err;
		return cart;
	}
}

export interface CartChange {
	items: CartLine[];
	/** An Idempotency-Key to remember with this change. */
	key?: string;
}

/**
 * Applies `change` atomically. `change` sees the current cart and returns the new lines, or null
 * for "nothing to do" (the cart is answered as it is).
 */
export async function mutateCart(store: Store<CartDoc>, userId: string, change: (cart: CartDoc) => CartChange | null): Promise<CartDoc> {
	let cart = await ensureCart(store, userId);
	for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
		const next = change(cart);
		if (!next) return cart;
		const set: Record<string, unknown> = { items: next.items, updatedAt: new Date().toISOString() };
		if (next.key) set.appliedKeys = [...(cart.appliedKeys ?? []), next.key].slice(-REMEMBERED_KEYS);
		const updated = await store.updateById(cart.id, { set, inc: { version: 1 } }, { version: cart.version ?? 0 });
		if (updated) return updated;
		const fresh = await store.findById(cart.id);
		if (!fresh) throw new ConflictError("The cart changed concurrently; try again", "CONCURRENT_UPDATE");
		cart = fresh;
	}
	throw new ConflictError("The cart keeps changing concurrently; try again", "CONCURRENT_UPDATE");
}
