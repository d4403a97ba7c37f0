/** Between the stored product and the one the API shows: money as decimal, internal fields hidden. */
import { fromMinor, toMinor } from "../money";
import type { ProductDoc } from "./collections";

/** A product as clients see it. */
export interface Product {
	id: string;
	name: string;
	description: string;
	price: number;
	currency: string;
	category: string;
	sku?: string;
	images: string[];
	/** Only on create: the initial on-hand quantity handed to inventory (not stored here). */
	stock?: number;
	createdAt: string;
	updatedAt: string;
}

/** The writable fields of a product as clients send them (already validated). */
export interface ProductInput {
	name?: string;
	description?: string;
	price?: number;
	currency?: string;
	category?: string;
	sku?: string;
	images?: string[];
}

type StoredFields = Omit<ProductDoc, "id" | "createdAt" | "updatedAt">;

export function toPublicProduct(doc: ProductDoc): Product {
	const product: Product = {
		id: doc.id,
		name: doc.name,
		description: doc.description ?? "",
		price: fromMinor(doc.priceMinor),
		currency: doc.currency,
		category: doc.category,
		images: Array.isArray(doc.images) ? doc.images : [],
		createdAt: doc.createdAt,
		updatedAt: doc.updatedAt
	};
	if (doc.sku) product.sku = doc.sku;
	return product;
}

/** The stored fields for the given input fields (only those present). */
export function toStoredFields(input: ProductInput): Partial<StoredFields> {
	const out: Partial<StoredFields> = {};
	if (input.name !== undefined) {
		out.name = input.name;
		out.nameLower = input.name.toLowerCase();
	}
	if (input.description !== undefined) out.description = input.description;
	if (input.price !== undefined) out.priceMinor = toMinor(input.price);
	if (input.currency !== undefined) out.currency = input.currency;
	if (input.category !== undefined) out.category = input.category;
	if (input.sku !== undefined) out.sku = input.sku;
	if (input.images !== undefined) out.images = input.images;
	return out;
}

/** The subset of `fields` whose value differs from the stored document. */
export function changedFields(doc: ProductDoc, fields: Partial<StoredFields>): Partial<StoredFields> {
	const changed: Record<string, unknown> = {};
	for (const [key, value] of Object.entries(fields)) {
		if (value === undefined) continue;
		if (JSON.stringify(doc[key] ?? null) !== JSON.stringify(value)) changed[key] = value;
	}
	return changed as Partial<StoredFields>;
}
