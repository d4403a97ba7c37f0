/** The store query of GET /orders and GET /orders/user/:userId: filters, newest first, one page. */
import { invalidField } from "../errors";
import type { Filter, SortSpec } from "../store";
import type { OrderStatus } from "./collections";
import { DEFAULT_PAGE_SIZE } from "./constants";

export interface ListParams {
	status?: OrderStatus;
	from?: string;
	to?: string;
	page?: number;
	pageSize?: number;
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const ISO = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * An ISO 8601 date or date-time as the stored format (toISOString), so string comparison orders
 * them on every store. A bare date as `to` means the whole day (up to the next midnight UTC).
 */
export function parseBound(field: "from" | "to", value: string): string {
	const ms = ISO.test(value) ? Date.parse(DATE_ONLY.test(value) ? `${value}T00:00:00Z` : value) : NaN;
	if (Number.isNaN(ms))
		throw invalidField(
			field,
			`The '${field}' field must be an ISO 8601 date or date-time, such as 2024-05-01 or 2024-05-01T12:00:00Z.`,
			"date"
		);
	return new Date(field === "to" && DATE_ONLY.test(value) ? ms + 86_400_000 : ms).toISOString();
}

export function buildListQuery(
	params: ListParams,
	userId?: string
): { where: Filter; sort: SortSpec; offset: number; limit: number; page: number; pageSize: number } {
	const where: Filter = {};
	if (userId) where.userId = userId;
	if (params.status) where.status = params.status;
	const range: { gte?: string; lt?: string; lte?: string } = {};
	if (params.from) range.gte = parseBound("from", params.from);
	if (params.to) {
		if (DATE_ONLY.test(params.to)) range.lt = parseBound("to", params.to);
		else range.lte = parseBound("to", params.to);
	}
	if (range.gte && ((range.lt && range.gte >= range.lt) || (range.lte && range.gte > range.lte)))
		throw invalidField("to", "'to' must not be before 'from'.", "dateRange");
	if (Object.keys(range).length) where.createdAt = range;
	const page = params.page ?? 1;
	const pageSize = params.pageSize ?? DEFAULT_PAGE_SIZE;
	return {
		where,
		sort: [
			["createdAt", "desc"],
			["id", "asc"]
		],
		offset: (page - 1) * pageSize,
		limit: pageSize,
		page,
		pageSize
	};
}
