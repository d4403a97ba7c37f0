/** Parameter schemas of the notifications actions (strict: an unknown field is a 422). */
import { NOTIFICATION_STATUSES } from "./collections";
import { TEMPLATE_NAMES } from "./templates";

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

const id = { type: "string", empty: false, trim: true, max: 128 };

export const listParams = {
	status: { type: "enum", values: [...NOTIFICATION_STATUSES], optional: true },
	template: { type: "enum", values: [...TEMPLATE_NAMES], optional: true },
	/** Admins only (a customer sees their own messages whatever this says). */
	recipient: { type: "string", trim: true, lowercase: true, max: 254, optional: true },
	relatedId: { ...id, optional: true },
	page: { type: "number", integer: true, min: 1, max: 1_000_000, convert: true, optional: true, default: 1 },
	pageSize: { type: "number", integer: true, min: 1, max: MAX_PAGE_SIZE, convert: true, optional: true, default: DEFAULT_PAGE_SIZE }
};

export const idParams = { id };

export const testParams = { to: { type: "email", trim: true, normalize: true, max: 254 } };

export interface ListParams {
	status?: string;
	template?: string;
	recipient?: string;
	relatedId?: string;
	page: number;
	pageSize: number;
}
