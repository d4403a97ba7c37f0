/**
 * Nothing lost on the way to the store: an entity a write answered (200/201 with an `id`) reads back
 * the same from its GET route. Fields that other flows move on their own (an order's status, the
 * stock counters, timestamps) are left out.
 */
import type { Operation } from "./operations";
import type { FuzzRequest, FuzzResponse } from "./requests";

/** Moved by other flows, or (a product's initial `stock`) echoed by the create only, as inventory keeps it. */
const MOVING = new Set(["status", "statusHistory", "payment", "updatedAt", "onHand", "reserved", "available", "cancelReason", "stock"]);

/**
 * Where to read the written entity: its own GET route, or the collection's list (`list`: find it
 * among the list's items), when the document has one.
 */
export function readUrlOf(op: Operation, ops: Operation[], req: FuzzRequest, id: string): { url: string; list: boolean } | undefined {
	const path = req.url.split("?")[0];
	const gets = new Set(ops.filter(o => o.method === "GET").map(o => o.path));
	if (op.method === "POST" && gets.has(`${op.path}/{id}`)) return { url: `${path}/${encodeURIComponent(id)}`, list: false };
	if (op.method === "POST" && gets.has(op.path)) return { url: path, list: true };
	if (op.method !== "POST" && gets.has(op.path)) return { url: path, list: false };
	const collection = op.path.replace(/\/\{[^}]+\}$/, "");
	if (collection !== op.path && gets.has(collection)) return { url: path.slice(0, path.lastIndexOf("/")), list: true };
	return undefined;
}

/** The entity in a GET answer: the body itself, or the list item with that id. */
export function readEntity(text: string, list: boolean, id: string): Record<string, unknown> | undefined {
	const body = JSON.parse(text);
	if (!list) return body;
	const items: unknown = Array.isArray(body) ? body : body?.items;
	return Array.isArray(items) ? items.find((i: { id?: unknown }) => i?.id === id) : undefined;
}

/** Where the read differs from what the write answered, as `field: written -> read`. */
export function differences(written: Record<string, unknown>, read: Record<string, unknown>): string[] {
	return Object.keys(written)
		.filter(k => !MOVING.has(k) && JSON.stringify(written[k]) !== JSON.stringify(read[k]))
		.map(k => `${k}: ${JSON.stringify(written[k])?.slice(0, 200)} -> ${JSON.stringify(read[k])?.slice(0, 200)}`);
}

/** The written entity, when the answer is a write's success carrying one. */
export function writtenEntity(op: Operation, res: FuzzResponse): Record<string, unknown> | undefined {
	if (!["POST", "PUT", "PATCH"].includes(op.method) || (res.status !== 200 && res.status !== 201)) return undefined;
	try {
		const body = JSON.parse(res.text);
		return body && typeof body === "object" && typeof body.id === "string" ? body : undefined;
	} catch {
		return undefined;
	}
}
