/**
 * The cart kept in this browser before signing in, and how it joins the account's cart on the
 * server at sign-in: each line of this device is added to the account's (quantities add up, capped
 * at the server's per-line maximum), as a `PUT /cart/items/{productId}` with the resulting quantity,
 * which is idempotent, so a merge interrupted and run again never counts a line twice. Lines only
 * the server has are left alone.
 */

export const MAX_LINE_QUANTITY = 100;

export interface LocalLine {
	productId: string;
	quantity: number;
	/** What the cart shows before the server is asked (name and price when added). */
	name: string;
	price: number;
	currency: string;
}

export interface ServerLine {
	productId: string;
	quantity: number;
}

export interface MergeStep {
	productId: string;
	quantity: number;
}

export function mergeSteps(local: LocalLine[], server: ServerLine[]): MergeStep[] {
	const onServer = new Map(server.map(l => [l.productId, l.quantity]));
	const steps = new Map<string, number>();
	for (const line of local) {
		if (!Number.isInteger(line.quantity) || line.quantity <= 0) continue;
		const base = steps.get(line.productId) ?? onServer.get(line.productId) ?? 0;
		steps.set(line.productId, Math.min(MAX_LINE_QUANTITY, base + line.quantity));
	}
	return [...steps]
		.filter(([productId, quantity]) => quantity !== onServer.get(productId))
		.map(([productId, quantity]) => ({ productId, quantity }));
}

/** Adds to a line of the local cart (or a new line), within the per-line maximum. */
export function addLocal(lines: LocalLine[], add: LocalLine): LocalLine[] {
	const found = lines.find(l => l.productId === add.productId);
	if (!found) return [...lines, { ...add, quantity: Math.min(MAX_LINE_QUANTITY, add.quantity) }];
	return lines.map(l => (l === found ? { ...l, quantity: Math.min(MAX_LINE_QUANTITY, l.quantity + add.quantity) } : l));
}

/** Sets a line's quantity; 0 removes it. */
export function setLocal(lines: LocalLine[], productId: string, quantity: number): LocalLine[] {
	if (quantity <= 0) return lines.filter(l => l.productId !== productId);
	return lines.map(l => (l.productId === productId ? { ...l, quantity: Math.min(MAX_LINE_QUANTITY, quantity) } : l));
}

/** Reads the stored lines, dropping anything malformed (storage is user-editable). */
export function parseLocal(raw: string | null): LocalLine[] {
	if (!raw) return [];
	try {
		const value = JSON.parse(raw) as unknown;
		if (!Array.isArray(value)) return [];
		return value.filter(
			(l): l is LocalLine =>
				!!l &&
				typeof l.productId === "string" &&
				Number.isInteger(l.quantity) &&
				l.quantity > 0 &&
				typeof l.name === "string" &&
				typeof l.price === "number" &&
				typeof l.currency === "string"
		);
	} catch {
		return [];
	}
}
