/** GET /logs: filters, newest first, one page. */
import { invalidField } from "../errors";
import type { Filter, SortSpec } from "../store";
import { LOG_LEVELS, levelValue, type LogLevel } from "./record";

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;

export interface LogListParams {
	level?: LogLevel;
	service?: string;
	node?: string;
	since?: string;
	q?: string;
	requestId?: string;
	page: number;
	pageSize: number;
}

const text = (max: number) => ({ type: "string", trim: true, empty: false, max, optional: true });

export const listParams = {
	/** The least severe level shown: `warn` shows fatal, error and warn. */
	level: { type: "enum", values: [...LOG_LEVELS], optional: true },
	service: text(100),
	node: text(200),
	/** ISO 8601 date or date-time. */
	since: text(40),
	/** Case-insensitive text in the message. */
	q: text(200),
	requestId: text(128),
	page: { type: "number", integer: true, min: 1, max: 1_000_000, convert: true, optional: true, default: 1 },
	pageSize: { type: "number", integer: true, min: 1, max: MAX_PAGE_SIZE, convert: true, optional: true, default: DEFAULT_PAGE_SIZE }
};

const ISO = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

export function buildLogQuery(p: LogListParams): { where: Filter; sort: SortSpec; offset: number; limit: number } {
	const where: Filter = {};
	if (p.level) where.levelValue = { lte: levelValue(p.level) };
	if (p.service) where.service = p.service;
	if (p.node) where.node = p.node;
	if (p.requestId) where.requestId = p.requestId;
	if (p.q) where.message = { contains: p.q };
	if (p.since) {
		const ms = ISO.test(p.since) ? Date.parse(/T/.test(p.since) ? p.since : `${p.since}T00:00:00Z`) : NaN;
		if (Number.isNaN(ms)) throw invalidField("since", "The 'since' field must be an ISO 8601 date or date-time.", "date");
		where.time = { gte: new Date(ms).toISOString() };
	}
	return {
		where,
		sort: [
			["time", "desc"],
			["seq", "desc"]
		],
		offset: (p.page - 1) * p.pageSize,
		limit: p.pageSize
	};
}
