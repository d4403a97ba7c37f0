/** Every template, by the name stored in a notification's `template` field. */
import { lowStock } from "./low-stock";
import { orderCancelled } from "./order-cancelled";
import { orderConfirmed } from "./order-confirmed";
import { orderDelivered } from "./order-delivered";
import { orderPaid } from "./order-paid";
import { orderShipped } from "./order-shipped";
import { testMessage } from "./test-message";

export type { OrderMailData, RenderedMail } from "./layout";
export type { LowStockMailData } from "./low-stock";

export const templates = { orderConfirmed, orderPaid, orderShipped, orderDelivered, orderCancelled, lowStock, testMessage };

/** The customer template of each order event, and the name it is stored under. */
export const ORDER_TEMPLATES = {
	"order.confirmed": { name: "order_confirmed", render: orderConfirmed },
	"order.paid": { name: "order_paid", render: orderPaid },
	"order.shipped": { name: "order_shipped", render: orderShipped },
	"order.delivered": { name: "order_delivered", render: orderDelivered },
	"order.cancelled": { name: "order_cancelled", render: orderCancelled }
} as const;

export type OrderEventType = keyof typeof ORDER_TEMPLATES;

export const TEMPLATE_NAMES = [...Object.values(ORDER_TEMPLATES).map(t => t.name), "low_stock", "test"] as const;
