/** A shipment only moves forward: pending -> shipped -> delivered. */
import type { ShipmentStatus } from "./collections";

export type TargetStatus = Exclude<ShipmentStatus, "pending">;

export const TARGET_STATUSES: readonly TargetStatus[] = ["shipped", "delivered"];

/** The status a shipment must be in to move to `target`. */
export const REQUIRED_STATUS: Readonly<Record<TargetStatus, ShipmentStatus>> = {
	shipped: "pending",
	delivered: "shipped"
};
