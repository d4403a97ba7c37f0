/**
 * Cancelled orders keep `compensationDueAt` until the reconciler saw their stock, charge and
 * shipment settled (lib/orders/compensation.ts); its index makes the reconciler's query a seek.
 * Null on the orders before it: cancellations made before are not re-checked.
 */
import type { Migration } from "../types";

export const ordersCompensationDueAt: Migration = {
	name: "0008-orders-compensation-due-at",
	services: {
		orders: {
			postgres: [
				`ALTER TABLE orders ADD COLUMN IF NOT EXISTS "compensationDueAt" TEXT`,
				`CREATE INDEX IF NOT EXISTS orders_compensation_due_at ON orders ("compensationDueAt")`
			],
			mongo: { create: [{ collection: "orders", indexes: [{ key: { compensationDueAt: 1 } }] }] }
		}
	}
};
