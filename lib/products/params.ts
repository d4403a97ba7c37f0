/**
 * Parameter schemas of the products actions (fastest-validator, strict: unknown fields are a 422).
 * Strings must be strings: an object such as {"$ne": ""} in any of them is refused, so nothing a
 * client sends can become a query operator. Query-string numbers are converted (`convert: true`).
 */
import { DEFAULT_SORT, MAX_IMAGES, MAX_PRICE, MAX_STOCK, SORT_VALUES } from "./constants";
import { hasAtMostTwoDecimals } from "./price";

type Rule = Record<string, unknown>;

/** A price in major units: > 0, at most two decimals (a 422 naming the field otherwise). */
const price: Rule = {
	type: "number",
	positive: true,
	max: MAX_PRICE,
	custom: (value: unknown, errors: Array<{ type: string; actual: unknown }>) => {
		if (typeof value === "number" && !hasAtMostTwoDecimals(value)) errors.push({ type: "centPrecision", actual: value });
		return value;
	},
	messages: { centPrecision: "The '{field}' field must have at most 2 decimal places." }
};

const id: Rule = { type: "string", empty: false, max: 64 };

/** Every writable field, optional; create makes name and price required. */
const productFields: Record<string, Rule> = {
	name: { type: "string", trim: true, empty: false, max: 200, optional: true },
	description: { type: "string", trim: true, max: 5000, optional: true },
	price: { ...price, optional: true },
	currency: {
		type: "string",
		pattern: /^[A-Z]{3}$/,
		optional: true,
		messages: { stringPattern: "The '{field}' field must be an ISO 4217 code of 3 upper-case letters." }
	},
	category: { type: "string", trim: true, empty: false, max: 100, optional: true },
	sku: {
		type: "string",
		trim: true,
		pattern: /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/,
		optional: true,
		messages: { stringPattern: "The '{field}' field must be 1 to 64 letters, digits, '.', '_' or '-'." }
	},
	images: {
		type: "array",
		max: MAX_IMAGES,
		optional: true,
		items: {
			type: "string",
			max: 2048,
			pattern: /^https?:\/\/[^\s/?#]+[^\s]*$/i,
			messages: { stringPattern: "The '{field}' field must be an http(s) URL without spaces." }
		}
	}
};

const stock: Rule = { type: "number", integer: true, min: 0, max: MAX_STOCK, optional: true };

export const createParams = {
	...productFields,
	name: { ...productFields.name, optional: false },
	price: { ...productFields.price, optional: false },
	stock
};

/** Internal upsert (seeding, imports): like create, keyed by a required sku. */
export const upsertParams = { ...createParams, sku: { ...productFields.sku, optional: false } };

export const updateParams = { id, ...productFields };

export const idParams = { id };

export const listParams = {
	q: { type: "string", trim: true, max: 200, optional: true },
	category: { type: "string", trim: true, max: 100, optional: true },
	minPrice: { type: "number", min: 0, max: MAX_PRICE, convert: true, optional: true },
	maxPrice: { type: "number", min: 0, max: MAX_PRICE, convert: true, optional: true },
	page: { type: "number", integer: true, min: 1, max: 1_000_000, convert: true, optional: true, default: 1 },
	// Capped to MAX_PAGE_SIZE by the action, not refused.
	pageSize: { type: "number", integer: true, min: 1, convert: true, optional: true },
	sort: { type: "enum", values: [...SORT_VALUES], optional: true, default: DEFAULT_SORT }
};

export const adjustStockParams = {
	id,
	/** Change of the on-hand quantity (negative removes stock); or */
	delta: { type: "number", integer: true, notEqual: 0, min: -MAX_STOCK, max: MAX_STOCK, optional: true },
	/** the new on-hand quantity. Exactly one of the two. */
	onHand: { type: "number", integer: true, min: 0, max: MAX_STOCK, optional: true },
	reason: { type: "string", trim: true, max: 200, optional: true }
};
