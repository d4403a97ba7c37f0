/**
 * Parameter schemas of the inventory actions (fastest-validator; the broker makes every object
 * strict, so unknown fields are a 422). Query-string numbers and booleans are converted.
 */
import { DEFAULT_PAGE_SIZE, MAX_ORDER_LINES, MAX_PAGE_SIZE, MAX_QUANTITY } from "./constants";

type Rule = Record<string, unknown>;

const id: Rule = { type: "string", empty: false, trim: true, max: 128 };
const quantity: Rule = { type: "number", integer: true, min: 1, max: MAX_QUANTITY };
const onHand: Rule = { type: "number", integer: true, min: 0, max: MAX_QUANTITY };
const threshold: Rule = { type: "number", integer: true, min: 0, max: MAX_QUANTITY };
const reason: Rule = { type: "string", trim: true, max: 200, optional: true };

const page: Rule = { type: "number", integer: true, min: 1, max: 1_000_000, convert: true, optional: true, default: 1 };
const pageSize: Rule = {
	type: "number",
	integer: true,
	min: 1,
	max: MAX_PAGE_SIZE,
	convert: true,
	optional: true,
	default: DEFAULT_PAGE_SIZE
};

const orderItems: Rule = {
	type: "array",
	min: 1,
	max: MAX_ORDER_LINES,
	items: { type: "object", props: { productId: id, quantity } }
};

export const createParams = { productId: id, onHand, lowStockThreshold: { ...threshold, optional: true } };

export const listParams = { page, pageSize, lowStock: { type: "boolean", convert: true, optional: true } };

export const idParams = { id };

export const updateParams = { id, onHand: { ...onHand, optional: true }, lowStockThreshold: { ...threshold, optional: true } };

export const historyParams = { id, page, pageSize };

export const checkParams = { productId: id, quantity: { ...quantity, convert: true } };

export const reserveParams = { orderId: id, items: orderItems };

export const orderIdParams = { orderId: id };

export const productIdParams = { productId: id };

/**
 * `delta` (a signed change, not 0) is the contract; `onHand` (an absolute value) is also accepted
 * because PATCH /products/:id/stock forwards either one. Exactly one of them.
 */
export const adjustParams = {
	productId: id,
	delta: { type: "number", integer: true, notEqual: 0, min: -MAX_QUANTITY, max: MAX_QUANTITY, optional: true },
	onHand: { ...onHand, optional: true },
	reason
};
