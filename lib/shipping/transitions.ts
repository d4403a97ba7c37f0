/** A shipment only moves forward: pending -> shipped -> delivered, or pending -> cancelled (its order was cancelled). */
import type { ShipmentStatus } from "./collections";

export type TargetStatus = Exclude<ShipmentStatus, "pending">;

/** The moves an admin makes on a shipment (PUT /shipments/:id/status). */
export const TARGET_STATUSES: readonly TargetStatus[] = ["shipped", "delivered"];

/** The status a shipment must be in to move to `target`. */
export const REQUIRED_STATUS: Readonly<Record<TargetStatus, ShipmentStatus>> = {
	shipped: "pending",
	delivered: "shipped",
	cancelled: "pending"
};
