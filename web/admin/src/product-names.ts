/** Product names for lists that only carry product ids (inventory, feed), read once per product. */
import { ApiError } from "../../shared/api";
import { api } from "./api";

const names = new Map<string, string>();
const DELETED = "(deleted product)";

export const productName = (id: string): string | undefined => names.get(id);

export function rememberProduct(p: { id: string; name: string }): void {
	names.set(p.id, p.name);
}

/** Reads the names not yet known; a product that no longer exists is named "(deleted product)". */
export async function loadProductNames(ids: readonly string[]): Promise<void> {
	const missing = [...new Set(ids)].filter(id => !names.has(id));
	await Promise.all(
		missing.map(id =>
			api.get<{ id: string; name: string }>(`/v1/products/${encodeURIComponent(id)}`).then(
				p => rememberProduct(p),
				err => {
					if (err instanceof ApiError && err.status === 404) names.set(id, DELETED);
				}
			)
		)
	);
}
