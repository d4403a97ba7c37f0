/**
 * The cart: kept in localStorage while signed out, the account's cart on the server while signed
 * in. At sign-in (or sign-up) this browser's lines join the account's (cart-merge.ts) and the local
 * copy is emptied. One store for the whole app; components read it with useCart().
 */
import { useEffect, useState } from "preact/hooks";
import { ApiError } from "../../shared/api";
import { addLocal, mergeSteps, parseLocal, setLocal, type LocalLine } from "./cart-merge";
import { api } from "./session";

const KEY = "shop.cart";

export interface CartLine {
	productId: string;
	name: string;
	price: number;
	currency: string;
	quantity: number;
	subtotal: number;
	available: boolean;
}

export interface Cart {
	lines: CartLine[];
	itemCount: number;
	total: number;
	currency: string | null;
	/** Something the customer should know (a product gone while merging). */
	notice: string | null;
	ready: boolean;
}

interface ServerCart {
	items: Array<{
		productId: string;
		quantity: number;
		available: boolean;
		name?: string;
		price?: number;
		currency?: string;
		subtotal?: number;
	}>;
	itemCount: number;
	total: number;
	currency: string | null;
}

let cart: Cart = { lines: [], itemCount: 0, total: 0, currency: null, notice: null, ready: false };
const listeners = new Set<(c: Cart) => void>();

function publish(next: Cart) {
	cart = next;
	listeners.forEach(l => l(next));
}

const readLocal = () => parseLocal(localStorage.getItem(KEY));

function writeLocal(lines: LocalLine[]) {
	if (lines.length) localStorage.setItem(KEY, JSON.stringify(lines));
	else localStorage.removeItem(KEY);
}

function fromLocal(lines: LocalLine[], notice: string | null = null): Cart {
	const total = Math.round(lines.reduce((s, l) => s + l.price * l.quantity, 0) * 100) / 100;
	return {
		lines: lines.map(l => ({ ...l, subtotal: Math.round(l.price * l.quantity * 100) / 100, available: true })),
		itemCount: lines.reduce((s, l) => s + l.quantity, 0),
		total,
		currency: lines[0]?.currency ?? null,
		notice,
		ready: true
	};
}

function fromServer(c: ServerCart, notice: string | null = null): Cart {
	return {
		lines: c.items.map(i => ({
			productId: i.productId,
			name: i.name ?? "A product no longer sold",
			price: i.price ?? 0,
			currency: i.currency ?? c.currency ?? "EUR",
			quantity: i.quantity,
			subtotal: i.subtotal ?? 0,
			available: i.available
		})),
		itemCount: c.itemCount,
		total: c.total,
		currency: c.currency,
		notice,
		ready: true
	};
}

export async function loadCart(): Promise<void> {
	if (!api.session()) return publish(fromLocal(readLocal()));
	publish(fromServer(await api.get<ServerCart>("/cart"), cart.notice));
}

export async function addToCart(product: { id: string; name: string; price: number; currency: string }, quantity: number) {
	if (!api.session()) {
		const lines = addLocal(readLocal(), {
			productId: product.id,
			quantity,
			name: product.name,
			price: product.price,
			currency: product.currency
		});
		writeLocal(lines);
		return publish(fromLocal(lines));
	}
	publish(
		fromServer(await api.post<ServerCart>("/cart/items", { productId: product.id, quantity }, { idempotencyKey: crypto.randomUUID() }))
	);
}

export async function setQuantity(productId: string, quantity: number) {
	if (!api.session()) {
		const lines = setLocal(readLocal(), productId, quantity);
		writeLocal(lines);
		return publish(fromLocal(lines));
	}
	const path = `/cart/items/${encodeURIComponent(productId)}`;
	publish(fromServer(quantity > 0 ? await api.put<ServerCart>(path, { quantity }) : await api.del<ServerCart>(path)));
}

/** This browser's lines into the account's cart; lines whose product is gone are dropped and named. */
export async function mergeIntoAccount(): Promise<void> {
	const local = readLocal();
	if (!local.length) return loadCart();
	const server = await api.get<ServerCart>("/cart");
	const gone: string[] = [];
	for (const step of mergeSteps(local, server.items)) {
		try {
			await api.put(`/cart/items/${encodeURIComponent(step.productId)}`, { quantity: step.quantity });
		} catch (err) {
			if (!(err instanceof ApiError) || err.status !== 404) throw err;
			gone.push(local.find(l => l.productId === step.productId)?.name ?? step.productId);
		}
	}
	writeLocal([]);
	const notice = gone.length ? `No longer sold, so not in your cart: ${gone.join(", ")}.` : null;
	publish(fromServer(await api.get<ServerCart>("/cart"), notice));
}

export function dismissNotice() {
	publish({ ...cart, notice: null });
}

let signedIn = !!api.session();
let syncing: Promise<void> = Promise.resolve();
api.onSession(s => {
	const now = !!s;
	if (now === signedIn) return;
	signedIn = now;
	syncing = (now ? mergeIntoAccount() : loadCart()).catch(() => undefined);
});

/** Resolves once the cart caught up with the last sign-in or sign-out (checkout waits for the merge). */
export function cartSettled(): Promise<void> {
	return syncing;
}

export function useCart(): Cart {
	const [c, setC] = useState(cart);
	useEffect(() => {
		listeners.add(setC);
		if (!cart.ready) void loadCart().catch(() => publish(fromLocal(readLocal())));
		return () => void listeners.delete(setC);
	}, []);
	return c;
}
