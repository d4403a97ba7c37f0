/** Fixed values of the carts domain (the same bounds as an order, since a cart becomes one). */
export const MAX_CART_LINES = 50;
export const MAX_LINE_QUANTITY = 100;
/** How many recent Idempotency-Keys a cart remembers. */
export const REMEMBERED_KEYS = 50;
