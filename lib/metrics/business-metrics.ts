/**
 * The shop's business figures on /metrics, each kept by the service that owns it:
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
import { ORDER_STATUSES } from "../orders/collections";
import { isText, RecentKeys, type MetricsSpec } from "./spec";

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

const M = BUSINESS_METRICS;

/** Placed to paid, in seconds: from well under a second in one process to minutes when a queue backs up. */
export const CHECKOUT_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

/** A service's view of its own collections (mixins/db.mixin.ts). */
interface OwnStores {
	store<T extends Doc>(name: string): Store<T>;
}

/** The creation time in ms that a version-7 UUID starts with (every entity id, lib/ids.ts); null for another id. */
export function uuidV7Time(id: string): number | null {
	const m = /^([0-9a-f]{8})-([0-9a-f]{4})-7[0-9a-f]{3}-[89ab]/i.exec(id);
	return m ? parseInt(m[1] + m[2], 16) : null;
}

export function orderMetrics(): MetricsSpec<OwnStores> {
	const created = new RecentKeys();
	const paid = new RecentKeys();
	return {
		metrics: [
			{ type: "gauge", name: M.orders, labelNames: ["status"], description: "Orders by status (counted in the orders store)" },
			{ type: "counter", name: M.ordersCreated, description: "Orders placed" },
			{
				type: "histogram",
				name: M.checkoutDuration,
				buckets: CHECKOUT_BUCKETS,
				description: "Checkout time from the order placed to the order paid, in seconds"
			}
		],
		events: {
			"order.created"(event, sink) {
				if (isText(event.data?.orderId) && created.first(event.data.orderId)) sink.increment(M.ordersCreated);
			},
			"order.paid"(event, sink) {
				const orderId = event.data?.orderId;
				// A re-driven order.paid (the reconciler's) repeats one that was counted when it happened.
				if (!isText(orderId) || event.data.redrive || !paid.first(orderId)) return;
				// The order id carries its creation time, so no store read is needed here.
				const placedAt = uuidV7Time(orderId);
				const paidAt = Date.parse(event.time);
				if (placedAt === null || !Number.isFinite(paidAt) || paidAt < placedAt) return;
				sink.observe(M.checkoutDuration, (paidAt - placedAt) / 1000);
			}
		},
		poller: (service, sink) => ({
			async poll() {
				const orders = service.store("orders");
				for (const status of ORDER_STATUSES) sink.set(M.orders, await orders.count({ status }), { status });
			}
		})
	};
}

export function paymentMetrics(): MetricsSpec {
	const seen = new RecentKeys();
	const outcome =
		(name: "succeeded" | "failed" | "refunded"): NonNullable<MetricsSpec["events"]>[string] =>
		(event, sink) => {
			const { paymentId, reason, amount, currency } = event.data ?? {};
			if (!isText(paymentId) || !seen.first(`${name}:${paymentId}`)) return;
			sink.increment(M.payments, { outcome: name, reason: name === "failed" && isText(reason) ? reason : "" });
			if (typeof amount === "number" && isText(currency)) sink.increment(M.paymentAmount, { outcome: name, currency }, amount);
		};
	return {
		metrics: [
			{
				type: "counter",
				name: M.payments,
				labelNames: ["outcome", "reason"],
				description: "Payments settled, by outcome (succeeded, failed, refunded) and failure reason"
			},
			{
				type: "counter",
				name: M.paymentAmount,
				labelNames: ["outcome", "currency"],
				description: "Amounts charged (succeeded) and refunded, in the currency's major unit"
			}
		],
		events: { "payment.succeeded": outcome("succeeded"), "payment.failed": outcome("failed"), "payment.refunded": outcome("refunded") }
	};
}

export function inventoryMetrics(): MetricsSpec<OwnStores> {
	const seen = new RecentKeys();
	const reservation =
		(outcome: "reserved" | "failed"): NonNullable<MetricsSpec["events"]>[string] =>
		(event, sink) => {
			const { orderId, reason } = event.data ?? {};
			if (!isText(orderId) || !seen.first(`${outcome}:${orderId}`)) return;
			sink.increment(M.reservations, { outcome, reason: outcome === "failed" && isText(reason) ? reason : "" });
		};
	return {
		metrics: [
			{
				type: "counter",
				name: M.reservations,
				labelNames: ["outcome", "reason"],
				description: "Order reservations, by outcome (reserved, failed) and failure reason"
			},
			{ type: "gauge", name: M.lowStockItems, description: "Inventory items at or below their low-stock threshold" },
			{ type: "gauge", name: M.outOfStockItems, description: "Inventory items with nothing available" }
		],
		events: { "inventory.reserved": reservation("reserved"), "inventory.reservation_failed": reservation("failed") },
		poller: (service, sink) => ({
			async poll() {
				const items = service.store("inventory_items");
				// The latch lowStockAlerted equals (available <= threshold) once changes settle (lib/inventory/low-stock.ts).
				sink.set(M.lowStockItems, await items.count({ lowStockAlerted: true }));
				sink.set(M.outOfStockItems, await items.count({ available: { lte: 0 } }));
			}
		})
	};
}

export function notificationMetrics(): MetricsSpec {
	const seen = new RecentKeys();
	const settled =
		(outcome: "sent" | "failed"): NonNullable<MetricsSpec["events"]>[string] =>
		(event, sink) => {
			const { notificationId, template } = event.data ?? {};
			if (!isText(notificationId) || !seen.first(`${outcome}:${notificationId}`)) return;
			sink.increment(M.notifications, { outcome, template: isText(template) ? template : "" });
		};
	return {
		metrics: [
			{
				type: "counter",
				name: M.notifications,
				labelNames: ["outcome", "template"],
				description: "Notifications settled, by outcome (sent, or failed after every attempt) and template"
			}
		],
		events: { "notification.sent": settled("sent"), "notification.failed": settled("failed") }
	};
}
