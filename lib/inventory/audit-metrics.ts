/**
 * The stock audit's figures on /metrics: what the last audit found, and the units it gave back in
 * all since the node started. Nothing is registered where metrics are off.
 */
import type { ServiceBroker } from "moleculer";
import type { AuditResult } from "./stock-audit";

const RELEASED = "shop.stock_audit.released_units_total";
const RUNS = "shop.stock_audit.runs_total";
const LAST = {
	repairedItems: "shop.stock_audit.repaired_items",
	shortItems: "shop.stock_audit.short_items",
	skippedItems: "shop.stock_audit.skipped_items"
} as const;

export function registerAuditMetrics(broker: ServiceBroker): void {
	if (!broker.isMetricsEnabled()) return;
	broker.metrics.register({
		type: "counter",
		name: RELEASED,
		description: "Units given back by the stock audit (held by no reservation)"
	});
	broker.metrics.register({ type: "counter", name: RUNS, description: "Stock audits run" });
	broker.metrics.register({ type: "gauge", name: LAST.repairedItems, description: "Items the last stock audit repaired" });
	broker.metrics.register({
		type: "gauge",
		name: LAST.shortItems,
		description: "Items holding fewer units than their reservations list, at the last audit"
	});
	broker.metrics.register({
		type: "gauge",
		name: LAST.skippedItems,
		description: "Items with orphaned units that changed during the last audit"
	});
}

export function recordAudit(broker: ServiceBroker, result: AuditResult): void {
	if (!broker.isMetricsEnabled()) return;
	broker.metrics.increment(RUNS);
	broker.metrics.increment(RELEASED, undefined, result.releasedUnits);
	for (const [field, name] of Object.entries(LAST)) broker.metrics.set(name, result[field as keyof typeof LAST]);
}
