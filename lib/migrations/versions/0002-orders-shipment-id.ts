/**
 * Orders note the shipment announced for them (9ecedde), so the reconciler finds paid orders that
 * never got one. Null on the orders before it.
 */
import type { Migration } from "../types";

export const ordersShipmentId: Migration = {
	name: "0002-orders-shipment-id",
	services: {
		orders: {
			postgres: [`ALTER TABLE orders ADD COLUMN IF NOT EXISTS "shipmentId" TEXT`],
			mongo: {}
		}
	}
};
