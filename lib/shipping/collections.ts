/** The shipping service's collection: one shipment per order. */
import type { CollectionSpec } from "../store";

export type ShipmentStatus = "pending" | "shipped" | "delivered" | "cancelled";
export type Carrier = "DHL" | "UPS";

export interface HistoryEntry {
	status: ShipmentStatus;
	at: string;
	/** The admin's user id, or "system" for what the event flow did. */
	by: string;
}

export interface ShipmentDoc {
	id: string;
	orderId: string;
	userId: string;
	carrier: Carrier;
	trackingNumber: string;
	status: ShipmentStatus;
	shippingAddress: Record<string, unknown>;
	history: HistoryEntry[];
	createdAt: string;
	updatedAt: string;
	[key: string]: unknown;
}

export const SHIPMENTS: CollectionSpec = {
	name: "shipments",
	fields: {
		orderId: { type: "string", required: true, unique: true },
		userId: { type: "string", required: true, index: true },
		carrier: { type: "string", required: true },
		trackingNumber: { type: "string", required: true, unique: true },
		status: { type: "string", required: true, index: true },
		shippingAddress: { type: "json", required: true },
		history: { type: "json", required: true },
		createdAt: { type: "string", required: true, index: true },
		updatedAt: { type: "string", required: true }
	}
};

export const COLLECTIONS = [SHIPMENTS];
