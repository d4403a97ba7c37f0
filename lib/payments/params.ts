/**
 * Parameter schemas of the payments actions (strict: unknown fields are a 422). The card's own
 * fields are checked by the provider, so its 422 names them as `payment.cardNumber` etc.
 */
type Rule = Record<string, unknown>;

const id: Rule = { type: "string", empty: false, max: 128 };
const cardField: Rule = { type: "any", optional: true };

export const tokenizeParams = {
	userId: id,
	card: { type: "object", props: { cardNumber: cardField, expMonth: cardField, expYear: cardField, cvc: cardField } }
};

export const chargeOrderParams = {
	orderId: id,
	userId: id,
	amountMinor: { type: "number", integer: true, positive: true, max: Number.MAX_SAFE_INTEGER },
	currency: { type: "string", pattern: /^[A-Z]{3}$/ },
	token: { type: "string", empty: false, max: 256 }
};

export const orderIdParams = { orderId: id };

export const idParams = { id };

export const listParams = {
	orderId: { ...id, optional: true },
	// Capped like every list's page: a page of 1e308 made an offset the database refused (a 500).
	page: { type: "number", convert: true, integer: true, positive: true, max: 1_000_000, optional: true },
	pageSize: { type: "number", convert: true, integer: true, positive: true, max: 100, optional: true }
};
