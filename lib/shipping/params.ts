/** Parameter schemas of the shipping actions (strict: unknown fields are a 422). */
import { TARGET_STATUSES } from "./transitions";

const id = { type: "string", empty: false, max: 128 };

export const idParams = { id };

export const orderIdParams = { orderId: id };

/** What an admin may ask for: cancelled is the orders' business (a cancelled order calls its shipment off). */
export const statusParams = { id, status: { type: "enum", values: TARGET_STATUSES } };

export const listParams = {
	orderId: { ...id, optional: true },
	// Capped like every list's page: a page of 1e308 made an offset the database refused (a 500).
	page: { type: "number", convert: true, integer: true, positive: true, max: 1_000_000, optional: true },
	pageSize: { type: "number", convert: true, integer: true, positive: true, max: 100, optional: true }
};
