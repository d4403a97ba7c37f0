/** Turns the validated query of GET /products into a neutral store query. */
import { invalidField } from "../errors";
import type { Filter, SortSpec } from "../store";
import { DEFAULT_PAGE_SIZE, DEFAULT_SORT, MAX_PAGE_SIZE, type SortValue } from "./constants";

export interface ListParams {
	q?: string;
	category?: string;
	minPrice?: number;
	maxPrice?: number;
	page?: number;
	pageSize?: number;
	sort?: SortValue;
}

export interface ListQuery {
	where: Filter;
	sort: SortSpec;
	limit: number;
	offset: number;
	page: number;
	pageSize: number;
}

const SORT_FIELDS: Record<string, string> = { price: "priceMinor", name: "nameLower", createdAt: "createdAt" };

/** Cents at or above a decimal amount, without float drift (10.1 -> 1010, 10.001 -> 1001). */
function minorCeil(amount: number): number {
	return Math.ceil(Number((amount * 100).toFixed(6)));
}

function minorFloor(amount: number): number {
	return Math.floor(Number((amount * 100).toFixed(6)));
}

/**
 * `q` matches name or description (case-insensitive substring); `category` is exact; the price
 * range is inclusive. Ties of the sort field are broken by id, so pages never overlap or skip.
 */
export function buildListQuery(params: ListParams): ListQuery {
	const where: Filter = {};
	const q = params.q?.trim();
	if (q) where.$or = [{ name: { contains: q } }, { description: { contains: q } }];
	if (params.category) where.category = params.category;

	const { minPrice, maxPrice } = params;
	if (minPrice !== undefined && maxPrice !== undefined && minPrice > maxPrice) {
		throw invalidField("minPrice", "The 'minPrice' field must not be greater than 'maxPrice'.", "range");
	}
	if (minPrice !== undefined || maxPrice !== undefined) {
		where.priceMinor = {
			...(minPrice !== undefined ? { gte: minorCeil(minPrice) } : {}),
			...(maxPrice !== undefined ? { lte: minorFloor(maxPrice) } : {})
		};
	}

	const sortValue = params.sort ?? DEFAULT_SORT;
	const descending = sortValue.startsWith("-");
	const field = SORT_FIELDS[descending ? sortValue.slice(1) : sortValue];
	const sort: SortSpec = [
		[field, descending ? "desc" : "asc"],
		["id", "asc"]
	];

	const page = params.page ?? 1;
	const pageSize = Math.min(params.pageSize ?? DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE);
	return { where, sort, limit: pageSize, offset: (page - 1) * pageSize, page, pageSize };
}
