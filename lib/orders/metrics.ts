/**
 * This domain's business figures on /metrics (lib/metrics/business-metrics.ts names them all):
 * Orders by status (a periodic count of the orders store), orders placed and the checkout's time
 * from placed to paid (from order.created and order.paid).
 */
import { CHECKOUT_BUCKETS, BUSINESS_METRICS as M, type OwnStores, uuidV7Time } from "../metrics/business-metrics";
import { isText, RecentKeys, type MetricsSpec } from "../metrics/spec";
import { ORDER_STATUSES } from "./collections";

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
				// Off the event loop on the embedded store: each count reads a status's whole index.
				for (const status of ORDER_STATUSES) sink.set(M.orders, await orders.count({ status }, { background: true }), { status });
			}
		})
	};
}
