/**
 * The names of the shop's business figures on /metrics, each kept by the service that owns it, whose
 * spec is lib/<domain>/metrics.ts:
 *
 * - orders: orders by status (a periodic indexed count of its own store), orders placed and the
 *   checkout's time from placed to paid (from its order.created and order.paid events);
 * - payments: payment outcomes and amounts (from payment.succeeded, .failed and .refunded);
 * - inventory: reservations by outcome (inventory.reserved and .reservation_failed), and items at
 *   or below their low-stock threshold or out of stock (periodic counts of its own store);
 * - notifications: mails sent and failed for good (notification.sent and .failed).
 *
 * Counters come from the domain events on the bus, handled by one node of the owning service
 * (Moleculer balances an event within a service's group), so Prometheus sums them over nodes. An
 * event announced again (a re-drive, a re-announced payment) is counted once per node by its key.
 */
import type { Doc, Store } from "../store";

export const BUSINESS_METRICS = {
	orders: "shop.orders",
	ordersCreated: "shop.orders.created.total",
	checkoutDuration: "shop.checkout.duration.seconds",
	payments: "shop.payments.total",
	paymentAmount: "shop.payments.amount.total",
	reservations: "shop.inventory.reservations.total",
	lowStockItems: "shop.inventory.low_stock.items",
	outOfStockItems: "shop.inventory.out_of_stock.items",
	notifications: "shop.notifications.total"
} as const;

/** Placed to paid, in seconds: from well under a second in one process to minutes when a queue backs up. */
export const CHECKOUT_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

/** A service's view of its own collections (mixins/db.mixin.ts). */
export interface OwnStores {
	store<T extends Doc>(name: string): Store<T>;
}

/** The creation time in ms that a version-7 UUID starts with (every entity id, lib/ids.ts); null for another id. */
export function uuidV7Time(id: string): number | null {
	const m = /^([0-9a-f]{8})-([0-9a-f]{4})-7[0-9a-f]{3}-[89ab]/i.exec(id);
	return m ? parseInt(m[1] + m[2], 16) : null;
}
