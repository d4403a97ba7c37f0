/**
 * Parameter schemas of the orders actions (fastest-validator; the broker makes every object
 * strict, so an unknown field is a 422 naming it). The card fields are only shaped here: the
 * payments service checks them and its 422 names them (payment.cardNumber, ...).
 */
import { ORDER_STATUSES } from "./collections";
import { DEFAULT_PAGE_SIZE, MAX_LINE_QUANTITY, MAX_ORDER_LINES, MAX_PAGE_SIZE } from "./constants";

type Rule = Record<string, unknown>;

const id: Rule = { type: "string", empty: false, trim: true, max: 128 };
const text = (max: number): Rule => ({ type: "string", trim: true, empty: false, max });
const optionalText = (max: number): Rule => ({ type: "string", trim: true, max, optional: true, nullable: true });
const cardField: Rule = { type: "any", optional: true };

export const shippingAddressRule: Rule = {
	type: "object",
	optional: true,
	props: {
		line1: text(200),
		line2: optionalText(200),
		city: text(100),
		postalCode: text(20),
		country: {
			type: "string",
			trim: true,
			uppercase: true,
			pattern: /^[A-Z]{2}$/,
			messages: { stringPattern: "The '{field}' field must be a 2-letter country code (ISO 3166-1 alpha-2)." }
		},
		state: optionalText(100),
		name: optionalText(100),
		phone: optionalText(40)
	}
};

export const paymentRule: Rule = {
	type: "object",
	props: { cardNumber: cardField, expMonth: cardField, expYear: cardField, cvc: cardField }
};

export const itemsRule: Rule = {
	type: "array",
	min: 1,
	max: MAX_ORDER_LINES,
	items: { type: "object", props: { productId: id, quantity: { type: "number", integer: true, min: 1, max: MAX_LINE_QUANTITY } } }
};

export const createParams = {
	items: itemsRule,
	shippingAddress: shippingAddressRule,
	addressId: { ...id, optional: true },
	payment: paymentRule
};

/** ISO 8601 date or date-time; checked (and normalized) by the list query builder. */
const isoDate: Rule = { type: "string", trim: true, max: 40, optional: true };

export const listParams = {
	status: { type: "enum", values: [...ORDER_STATUSES], optional: true },
	from: isoDate,
	to: isoDate,
	page: { type: "number", integer: true, min: 1, max: 1_000_000, convert: true, optional: true, default: 1 },
	pageSize: { type: "number", integer: true, min: 1, max: MAX_PAGE_SIZE, convert: true, optional: true, default: DEFAULT_PAGE_SIZE }
};

export const listByUserParams = { userId: id, ...listParams };

export const idParams = { id };

export const updateStatusParams = {
	id,
	status: { type: "enum", values: [...ORDER_STATUSES] },
	/** A cancel reason (default "admin") or a free-text note recorded in statusHistory. */
	reason: { type: "string", trim: true, max: 500, optional: true }
};

export const reconcileParams = {
	olderThanMs: { type: "number", integer: true, min: 0, optional: true, convert: true },
	limit: { type: "number", integer: true, min: 1, max: 1000, optional: true, convert: true }
};

export const byIdempotencyKeyParams = { userId: id, key: { type: "string", min: 1, max: 255 } };
