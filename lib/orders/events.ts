/**
 * The events the orders service emits and their data (docs/order-flow.md): the contract its
 * consumers import. The types follow the functions that build the data (event-data.ts), so they
 * cannot drift. A consumer still checks what it reads: an event may come from an older node.
 */
import type { orderCancelledData, orderConfirmedData, orderCreatedData, orderProgressData } from "./event-data";

export type OrderCreatedData = ReturnType<typeof orderCreatedData>;
export type OrderConfirmedData = ReturnType<typeof orderConfirmedData>;
/** order.paid, order.shipped, order.delivered; a paid order re-driven by the reconciler carries `redrive: true`. */
export type OrderProgressData = ReturnType<typeof orderProgressData> & { redrive?: boolean };
export type OrderCancelledData = ReturnType<typeof orderCancelledData>;

export interface OrderEvents {
	"order.created": OrderCreatedData;
	"order.confirmed": OrderConfirmedData;
	"order.paid": OrderProgressData;
	"order.shipped": OrderProgressData;
	"order.delivered": OrderProgressData;
	"order.cancelled": OrderCancelledData;
}
