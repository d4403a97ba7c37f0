/**
 * Which messages an event causes, to whom, with what content. Pure given a directory of the other
 * services' data, so the rules are tested without a broker.
 */
import type { DomainEvent } from "../events";
import type { LowStockData } from "../inventory/events";
import type { OrderCancelledData, OrderCreatedData, OrderProgressData } from "../orders/events";
import type { NewNotification } from "./delivery";
import { ORDER_TEMPLATES, templates, type OrderEventType, type OrderMailData } from "./templates";
import type { Address, OrderLine } from "./templates/layout";

/** What the notifications service reads from other services (users, orders, products). */
export interface Directory {
	customer(userId: string): Promise<{ email: string; name?: string } | null>;
	/** ADMIN_EMAIL and every active admin's email, deduplicated. */
	adminEmails(): Promise<string[]>;
	/** The order as orders.get answers it, or null when it cannot be read now (the mail then uses the event's data). */
	order(orderId: string): Promise<{ items?: OrderLine[]; shippingAddress?: Address } | null>;
	productName(productId: string): Promise<string | undefined>;
}

/** What notifications reads of the order.* events (the orders' contract, lib/orders/events.ts). */
export type OrderEventData = Pick<OrderCreatedData, "orderId" | "userId" | "total" | "currency"> &
	Partial<Pick<OrderProgressData, "shippingAddress">> &
	// Read as text: a reason this node does not know still makes a mail (the template names it).
	Partial<Record<keyof Pick<OrderCancelledData, "reason" | "previousStatus">, string>>;

export type { LowStockData };

export const isOrderEvent = (type: string): type is OrderEventType => type in ORDER_TEMPLATES;

const normalizeEmail = (e: string) => e.trim().toLowerCase();

/** The customer's mail about an order entering a status; none when the customer cannot be found. */
export async function orderNotifications(type: OrderEventType, data: OrderEventData, dir: Directory): Promise<NewNotification[]> {
	const customer = await dir.customer(data.userId);
	if (!customer?.email) return [];
	const order = await dir.order(data.orderId).catch(() => null);
	const mail: OrderMailData & { refunded?: boolean } = {
		orderId: data.orderId,
		customerName: customer.name,
		total: data.total,
		currency: data.currency,
		items: order?.items,
		shippingAddress: order?.shippingAddress ?? data.shippingAddress,
		cancelReason: data.reason,
		refunded: type === "order.cancelled" && data.previousStatus === "paid"
	};
	const template = ORDER_TEMPLATES[type];
	const rendered = template.render(mail);
	const recipient = normalizeEmail(customer.email);
	return [
		{
			recipient,
			userId: data.userId,
			template: template.name,
			subject: rendered.subject,
			body: rendered.text,
			html: rendered.html,
			relatedId: data.orderId,
			// An order enters each status once: whatever redelivers or re-drives the event, one mail.
			eventId: `${type}:${data.orderId}:${recipient}`
		}
	];
}

/** One alert per admin; keyed by the alert event's id (inventory raises one per threshold crossing). */
export async function lowStockNotifications(event: DomainEvent<LowStockData>, dir: Directory): Promise<NewNotification[]> {
	const data = event.data;
	const productName = await dir.productName(data.productId).catch(() => undefined);
	const rendered = templates.lowStock({ ...data, productName });
	const recipients = [...new Set((await dir.adminEmails()).map(normalizeEmail))];
	return recipients.map(recipient => ({
		recipient,
		template: "low_stock",
		subject: rendered.subject,
		body: rendered.text,
		html: rendered.html,
		relatedId: data.productId,
		eventId: `inventory.low_stock:${event.id}:${recipient}`
	}));
}
