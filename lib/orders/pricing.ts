/**
 * Order lines from the request and the catalog: duplicates merged, prices snapshotted, totals
 * computed in integer minor units (exact: 0.10 x 3 is 30 cents, never 0.30000000000000004).
 */
import { InvalidFieldsError } from "../errors";
import { toMinor } from "../money";
import type { OrderLineDoc } from "./collections";
import { MAX_LINE_QUANTITY } from "./constants";

export interface RequestedLine {
	productId: string;
	quantity: number;
}

export interface MergedLine extends RequestedLine {
	/** Index of the product's first line in the request, to name fields in errors. */
	index: number;
}

/** What the catalog says about a product (products.get). */
export interface CatalogProduct {
	id: string;
	name: string;
	price: number;
	currency: string;
}

type FieldError = { field: string; message: string; type?: string };

/** One line per product, in the order of first appearance; a merged quantity above the limit is a 422. */
export function mergeLines(items: RequestedLine[], maxQuantity = MAX_LINE_QUANTITY): MergedLine[] {
	const byProduct = new Map<string, MergedLine>();
	const errors: FieldError[] = [];
	items.forEach((item, index) => {
		const line = byProduct.get(item.productId);
		if (!line) {
			byProduct.set(item.productId, { productId: item.productId, quantity: item.quantity, index });
			return;
		}
		line.quantity += item.quantity;
		if (line.quantity > maxQuantity)
			errors.push({
				field: `items[${index}].quantity`,
				type: "numberMax",
				message: `The lines of this product add up to more than ${maxQuantity}.`
			});
	});
	if (errors.length) throw new InvalidFieldsError(errors);
	return [...byProduct.values()];
}

/** Prices the lines from the catalog; every product must be known and all in one currency. */
export function priceLines(
	lines: MergedLine[],
	products: Map<string, CatalogProduct | null>
): { items: OrderLineDoc[]; totalMinor: number; currency: string } {
	const errors: FieldError[] = [];
	let currency: string | null = null;
	const items: OrderLineDoc[] = [];
	for (const line of lines) {
		const product = products.get(line.productId);
		if (!product) {
			errors.push({ field: `items[${line.index}].productId`, type: "notFound", message: `No product with id ${line.productId}.` });
			continue;
		}
		currency ??= product.currency;
		if (product.currency !== currency) {
			errors.push({
				field: `items[${line.index}].productId`,
				type: "currencyMismatch",
				message: `An order is paid in one currency: this product is priced in ${product.currency}, the order in ${currency}.`
			});
			continue;
		}
		const priceMinor = toMinor(product.price);
		items.push({
			productId: product.id,
			name: product.name,
			priceMinor,
			quantity: line.quantity,
			subtotalMinor: priceMinor * line.quantity
		});
	}
	if (errors.length) throw new InvalidFieldsError(errors);
	const totalMinor = items.reduce((sum, l) => sum + l.subtotalMinor, 0);
	return { items, totalMinor, currency: currency! };
}
