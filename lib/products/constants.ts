/** Fixed values of the products domain, in one place. */

/** Currency of a product created without one (ISO 4217 code). */
export const DEFAULT_CURRENCY = "EUR";

/** Category of a product created without one. */
export const DEFAULT_CATEGORY = "uncategorized";

export const DEFAULT_PAGE_SIZE = 20;
/** Larger page sizes are capped to this, not refused. */
export const MAX_PAGE_SIZE = 100;

/** Highest price accepted, in major units (keeps minor units far below Number.MAX_SAFE_INTEGER). */
export const MAX_PRICE = 1_000_000_000;

/** Highest stock quantity accepted on create and adjust. */
export const MAX_STOCK = 1_000_000_000;

export const MAX_IMAGES = 20;

/** Seconds a cached list, product or category list lives (writes clean it at once anyway). */
export const CACHE_TTL_SECONDS = 60;

/** `sort` values of GET /products: a field, descending with a leading "-". */
export const SORT_VALUES = ["price", "-price", "name", "-name", "createdAt", "-createdAt"] as const;
export type SortValue = (typeof SORT_VALUES)[number];
export const DEFAULT_SORT: SortValue = "-createdAt";
