/** Parameter schemas of the carts actions (strict: unknown fields are a 422). */
import { createParams as orderCreateParams } from "../orders/params";
import { MAX_LINE_QUANTITY } from "./constants";

type Rule = Record<string, unknown>;

const productId: Rule = { type: "string", empty: false, trim: true, max: 128 };

export const addItemParams = { productId, quantity: { type: "number", integer: true, min: 1, max: MAX_LINE_QUANTITY } };

export const setItemParams = { productId, quantity: { type: "number", integer: true, min: 0, max: MAX_LINE_QUANTITY } };

export const productIdParams = { productId };

/** The order body without its items: those come from the cart. */
export const checkoutParams = {
	shippingAddress: orderCreateParams.shippingAddress,
	addressId: orderCreateParams.addressId,
	payment: orderCreateParams.payment
};
