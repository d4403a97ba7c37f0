/**
 * POST /inventory names a product, which must be in the catalogue: a 422 naming productId
 * otherwise (the route exists; a field of the body points at nothing). Only the public action
 * asks; the item that product.created makes (event-handlers.ts) needs no call back to products.
 */
import type { Context } from "moleculer";
import { invalidField } from "../errors";

export async function assertProductExists(ctx: Context, productId: string): Promise<void> {
	try {
		await ctx.call("products.get", { id: productId });
	} catch (err) {
		// 404: no such product; 422: not even a possible product id (products' own id rule).
		const code = (err as { code?: unknown }).code;
		if (code === 404 || code === 422) throw invalidField("productId", "No product has this id", "productNotFound");
		throw err;
	}
}
