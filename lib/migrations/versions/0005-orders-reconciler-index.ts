/**
 * The reconciler's two queries (paid orders without a shipment, stale orders by status) as index
 * seeks on (status, shipmentId, updatedAt) (9b35689); the (status, updatedAt) index it replaces goes.
 */
import type { Migration } from "../types";

export const ordersReconcilerIndex: Migration = {
	name: "0005-orders-reconciler-index",
	services: {
		orders: {
			postgres: [
				`CREATE INDEX IF NOT EXISTS orders_status_shipment_id_updated_at ON orders (status, "shipmentId", "updatedAt")`,
				`DROP INDEX IF EXISTS orders_status_updated_at`
			],
			mongo: {
				create: [{ collection: "orders", indexes: [{ key: { status: 1, shipmentId: 1, updatedAt: 1 } }] }],
				drop: [{ collection: "orders", index: "status_1_updatedAt_1" }]
			}
		}
	}
};
