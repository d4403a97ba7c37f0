/** Fixed values of the inventory domain, in one place. */

/** Highest quantity accepted anywhere (on-hand, delta, order line), far below Number.MAX_SAFE_INTEGER. */
export const MAX_QUANTITY = 1_000_000_000;

/** Most lines one order's reservation may have. */
export const MAX_ORDER_LINES = 100;

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

/** Lowest default low-stock threshold; above it the default is 10% of the initial stock. */
export const MIN_LOW_STOCK_THRESHOLD = 5;

/**
 * A reservation still "reserving" after this long (no write to it meanwhile) is taken to be
 * abandoned by a crashed worker: the next order.created for it rolls it back and retries.
 */
export const RESERVATION_STUCK_AFTER_MS = 5_000;

/** Who a change is recorded against when no user made it (events, internal calls). */
export const SYSTEM_ACTOR = "system";
