/** The events the shipping service emits and their data (docs/order-flow.md): the contract its consumers import. */
import type { shipmentEventData } from "./shape";

export type ShipmentData = ReturnType<typeof shipmentEventData>;

export interface ShipmentEvents {
	"shipment.created": ShipmentData;
	"shipment.shipped": ShipmentData;
	"shipment.delivered": ShipmentData;
	"shipment.cancelled": ShipmentData;
}
