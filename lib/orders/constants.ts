/** Fixed values of the orders domain, in one place. */
export const MAX_ORDER_LINES = 50;
export const MAX_LINE_QUANTITY = 100;
export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;
/** The `source` of the events this service emits, and the actor of its own moves. */
export const SOURCE = "orders";
