/** The `products` collection: what is stored for a product, on every adapter. */
import type { CollectionSpec } from "../store";

/** A stored product. Money in integer minor units; `nameLower` only serves case-insensitive sorting. */
export interface ProductDoc {
	id: string;
	name: string;
	nameLower: string;
	description: string;
	priceMinor: number;
	currency: string;
	category: string;
	sku?: string;
	images?: string[];
	createdAt: string;
	updatedAt: string;
	[key: string]: unknown;
}

export const productsCollection: CollectionSpec = {
	name: "products",
	fields: {
		name: { type: "string", required: true },
		nameLower: { type: "string", required: true, index: true },
		description: { type: "string", required: true, default: "" },
		priceMinor: { type: "integer", required: true, index: true },
		currency: { type: "string", required: true },
		category: { type: "string", required: true, index: true },
		// Optional, unique when present (the stores make a unique index on an optional field sparse).
		sku: { type: "string", unique: true },
		images: { type: "json" },
		createdAt: { type: "string", required: true, index: true },
		updatedAt: { type: "string", required: true }
	}
};
