/**
 * The live activity feed: the latest events the WebSocket brought, newest first, each once (a
 * reconnect or a re-driven event can bring the same one twice), with the sentence an admin reads.
 * Pure: no DOM.
 */
import type { LiveEvent } from "../../shared/ws";
import { money, shortId } from "./format";

export interface FeedItem {
	id: string;
	event: string;
	time: string;
	text: string;
	/** Where the item leads in the backoffice (an order, the low-stock inventory), if anywhere. */
	path?: string;
	/** Something an admin should act on (low stock, a product that can no longer be bought). */
	alert: boolean;
}

export const FEED_SIZE = 20;

type Data = Record<string, unknown>;

const str = (v: unknown) => (typeof v === "string" ? v : "");
const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : null);

function amount(d: Data): string {
	const total = num(d.total) ?? num(d.amount);
	return total !== null && str(d.currency) ? ` (${money(total, str(d.currency))})` : "";
}

/** The feed item of an event, or null for events the feed does not show. */
export function describeEvent(e: LiveEvent, productName: (id: string) => string | undefined = () => undefined): FeedItem | null {
	const d = (e.data ?? {}) as Data;
	const orderId = str(d.orderId);
	const order = orderId ? `Order ${shortId(orderId)}` : "";
	const toOrder = orderId ? `/orders/${orderId}` : undefined;
	const product = (id: string) => productName(id) ?? `product ${shortId(id)}`;
	const base = { id: e.id, event: e.event, time: e.time };
	switch (e.event) {
		case "order.created":
			return { ...base, text: `New order ${shortId(orderId)}${amount(d)}`, path: toOrder, alert: false };
		case "order.confirmed":
		case "order.paid":
		case "order.shipped":
		case "order.delivered":
			return { ...base, text: `${order} ${e.event.slice("order.".length)}`, path: toOrder, alert: false };
		case "order.cancelled":
			return {
				...base,
				text: `${order} cancelled${str(d.reason) ? ` (${str(d.reason).replace(/_/g, " ")})` : ""}`,
				path: toOrder,
				alert: false
			};
		case "payment.failed":
			return {
				...base,
				text: `Payment failed for order ${shortId(orderId)}${str(d.reason) ? `: ${str(d.reason).replace(/_/g, " ")}` : ""}`,
				path: toOrder,
				alert: false
			};
		case "payment.refunded":
			return { ...base, text: `Payment refunded for order ${shortId(orderId)}${amount(d)}`, path: toOrder, alert: false };
		case "inventory.low_stock": {
			const available = num(d.available);
			return {
				...base,
				text: `Low stock: ${product(str(d.productId))}, ${available ?? "?"} left`,
				path: "/inventory?lowStock=1",
				alert: true
			};
		}
		case "product.unavailable":
			return {
				...base,
				text: `${product(str(d.productId))} can no longer be bought (${str(d.reason) === "deleted" ? "deleted" : "out of stock"})`,
				path: "/inventory?lowStock=1",
				alert: true
			};
		default:
			return null;
	}
}

/** The feed with `item` added in front, unless it is already there; at most FEED_SIZE items. */
export function addToFeed(feed: readonly FeedItem[], item: FeedItem | null): readonly FeedItem[] {
	if (!item || feed.some(f => f.id === item.id)) return feed;
	return [item, ...feed].slice(0, FEED_SIZE);
}
