/**
 * The seed's way in when no app answers: the products and inventory actions of a broker the
 * seed started itself (scripts/seed.ts), called directly (the gateway's admin check is the
 * caller's business here: whoever runs the script owns the data).
 */
import { Errors, type ServiceBroker } from "moleculer";
import type { SeedProduct, SeedTarget } from "./seed";

const PAGE_SIZE = 100;

const isConflict = (err: unknown) => err instanceof Errors.MoleculerClientError && err.code === 409;
const isNotFound = (err: unknown) => err instanceof Errors.MoleculerClientError && err.code === 404;

export function brokerSeedTarget(broker: ServiceBroker): SeedTarget {
	return {
		async productIdsBySku() {
			const ids = new Map<string, string>();
			for (let page = 1; ; page++) {
				const res = await broker.call<{ items: Array<{ id: string; sku?: string }>; total: number }, object>("products.list", {
					page,
					pageSize: PAGE_SIZE,
					sort: "createdAt"
				});
				for (const p of res.items) if (p.sku) ids.set(p.sku, p.id);
				if (res.items.length < PAGE_SIZE || page * PAGE_SIZE >= res.total) return ids;
			}
		},

		async createProduct(product: SeedProduct) {
			try {
				return { id: (await broker.call<{ id: string }, SeedProduct>("products.create", product)).id };
			} catch (err) {
				if (isConflict(err) && (err as Errors.MoleculerClientError).type === "DUPLICATE_SKU") return null;
				throw err;
			}
		},

		async stockedProductIds(productIds: string[]) {
			const stocked = new Set<string>();
			for (const productId of productIds) {
				try {
					await broker.call("inventory.getByProduct", { productId });
					stocked.add(productId);
				} catch (err) {
					if (!isNotFound(err)) throw err;
				}
			}
			return stocked;
		},

		async createStock(productId: string, onHand: number) {
			try {
				await broker.call("inventory.create", { productId, onHand });
				return true;
			} catch (err) {
				if (isConflict(err)) return false;
				throw err;
			}
		}
	};
}
