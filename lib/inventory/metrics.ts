/**
 * This domain's business figures on /metrics (lib/metrics/business-metrics.ts names them all):
 * Reservations by outcome (inventory.reserved and .reservation_failed), and items at or below their
 * low-stock threshold or out of stock (periodic counts of the inventory store).
 */
import { BUSINESS_METRICS as M, type OwnStores } from "../metrics/business-metrics";
import { isText, outcomeRecorders, type MetricsSpec } from "../metrics/spec";

export function inventoryMetrics(): MetricsSpec<OwnStores> {
	const reservation = outcomeRecorders<"reserved" | "failed">("orderId", (outcome, { reason }, sink) =>
		sink.increment(M.reservations, { outcome, reason: outcome === "failed" && isText(reason) ? reason : "" })
	);
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
