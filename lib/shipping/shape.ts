/** What leaves the service about a shipment. */
import type { HistoryEntry, ShipmentDoc, ShipmentStatus } from "./collections";

export interface PublicShipment {
	id: string;
	orderId: string;
	userId: string;
	carrier: string;
	trackingNumber: string;
	status: ShipmentStatus;
	shippingAddress: Record<string, unknown>;
	history: HistoryEntry[];
	createdAt: string;
	updatedAt: string;
}

export function toPublicShipment(s: ShipmentDoc): PublicShipment {
	return {
		id: s.id,
		orderId: s.orderId,
		userId: s.userId,
		carrier: s.carrier,
		trackingNumber: s.trackingNumber,
		status: s.status,
		shippingAddress: s.shippingAddress ?? {},
		history: Array.isArray(s.history) ? s.history : [],
		createdAt: s.createdAt,
		updatedAt: s.updatedAt
	};
}

/** Data of shipment.created / shipment.shipped / shipment.delivered (docs/order-flow.md). */
export function shipmentEventData(s: ShipmentDoc) {
	return {
		orderId: s.orderId,
		shipmentId: s.id,
		userId: s.userId,
		carrier: s.carrier,
		trackingNumber: s.trackingNumber,
		status: s.status
	};
}
