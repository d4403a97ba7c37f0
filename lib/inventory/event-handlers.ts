/**
 * The events inventory consumes, as plain functions of the envelope's data. The service wraps
 * them so that a redelivered event (same id) is skipped and no failure reaches the emitter:
 * on the in-process bus `emit` waits for local handlers, so a throw here would fail the
 * emitter's own request (a product created, its POST answered 500).
 */
import type { OrderEvents } from "../orders/events";
import type { ProductData } from "../products/events";
import type { Inventory } from "./inventory";
import { ItemExistsError } from "./stock";
import type { OpContext } from "./op-context";

/** The data read from each consumed event: the emitters' contracts, every field checked before use. */
export type ProductCreatedData = Pick<ProductData, "id"> & Partial<ProductData>;
export type OrderCreatedData = Pick<OrderEvents["order.created"], "orderId" | "items">;
export type OrderCancelledData = Pick<OrderEvents["order.cancelled"], "orderId"> & Partial<OrderEvents["order.cancelled"]>;
export type OrderShippedData = Pick<OrderEvents["order.shipped"], "orderId">;

/** Statuses of an order that hold a reservation: leaving them for cancelled releases it. */
const HOLDING_STATUSES = ["confirmed", "paid"];

/** Creates the product's stock item once; a redelivery meets the unique productId and changes nothing. */
export async function onProductCreated(inv: Inventory, op: OpContext, data: ProductCreatedData): Promise<void> {
	const stock = Number.isInteger(data.stock) && (data.stock as number) >= 0 ? (data.stock as number) : 0;
	try {
		await inv.stock.create(op, data.id, stock);
	} catch (err) {
		if (!(err instanceof ItemExistsError)) throw err;
	}
}

/** Reserves the order's lines (idempotent per orderId; a re-driven event re-emits the outcome). */
export async function onOrderCreated(inv: Inventory, op: OpContext, data: OrderCreatedData): Promise<void> {
	const items = (data.items ?? []).map(({ productId, quantity }) => ({ productId, quantity }));
	await inv.reservations.reserve(op, data.orderId, items);
}

/** Gives the stock back when a confirmed or paid order is cancelled (idempotent). */
export async function onOrderCancelled(inv: Inventory, op: OpContext, data: OrderCancelledData): Promise<void> {
	if (!HOLDING_STATUSES.includes(data.previousStatus ?? "")) return;
	await inv.reservations.release(op, data.orderId);
}

/** Turns the reservation into sold stock (idempotent). */
export async function onOrderShipped(inv: Inventory, op: OpContext, data: OrderShippedData): Promise<void> {
	await inv.reservations.commit(op, data.orderId);
}
