/** The API's entities as the backoffice reads them (see the OpenAPI document at /api/v1/openapi.json). */

export type OrderStatus = "pending" | "confirmed" | "paid" | "shipped" | "delivered" | "cancelled";
export const ORDER_STATUSES: readonly OrderStatus[] = ["pending", "confirmed", "paid", "shipped", "delivered", "cancelled"];

/** The order state machine (lib/orders/order-state.ts): the moves an admin may ask for. */
export const NEXT_STATUSES: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
	pending: ["confirmed", "cancelled"],
	confirmed: ["paid", "cancelled"],
	paid: ["shipped", "cancelled"],
	shipped: ["delivered"],
	delivered: [],
	cancelled: []
};

export interface Address {
	name?: string;
	line1: string;
	line2?: string;
	city: string;
	postalCode: string;
	country: string;
}

export interface Order {
	id: string;
	userId: string;
	status: OrderStatus;
	items: Array<{ productId: string; name: string; price: number; quantity: number; subtotal: number }>;
	total: number;
	currency: string;
	shippingAddress: Address;
	statusHistory: Array<{ status: OrderStatus; at: string; by?: string; note?: string }>;
	cancelReason?: string;
	createdAt: string;
	updatedAt: string;
	payment?: { status: string; brand?: string; last4?: string };
}

export interface Payment {
	id: string;
	orderId: string;
	amount: number;
	currency: string;
	status: string;
	attempts: number;
	brand?: string;
	last4?: string;
	failureReason?: string;
	createdAt: string;
	updatedAt: string;
}

export interface Shipment {
	id: string;
	orderId: string;
	userId: string;
	carrier: string;
	trackingNumber: string;
	status: "pending" | "shipped" | "delivered";
	history: Array<{ status: string; at: string; by?: string }>;
	createdAt: string;
	updatedAt: string;
}

export interface Product {
	id: string;
	name: string;
	description: string;
	price: number;
	currency: string;
	category: string;
	sku?: string;
	images: string[];
	createdAt: string;
	updatedAt: string;
}

export interface InventoryItem {
	id: string;
	productId: string;
	onHand: number;
	reserved: number;
	available: number;
	lowStockThreshold: number;
	updatedAt: string;
}

export interface Movement {
	id: string;
	type: string;
	quantity: number;
	onHandBefore: number;
	onHandAfter: number;
	reservedBefore: number;
	reservedAfter: number;
	actor: string;
	at: string;
	orderId?: string;
	reason?: string;
}

export interface Customer {
	id: string;
	email: string;
	name: string;
	roles: string[];
	createdAt: string;
}

export interface Notification {
	id: string;
	recipient: string;
	userId?: string;
	channel: string;
	template: string;
	subject: string;
	body?: string;
	status: "pending" | "sent" | "failed";
	attempts: number;
	lastError: string | null;
	relatedId?: string;
	createdAt: string;
	updatedAt: string;
	sentAt?: string;
}

export interface LogLine {
	id: string;
	time: string;
	level: string;
	node: string;
	service: string;
	message: string;
	requestId: string | null;
	fields: Record<string, unknown>;
}

export interface Health {
	status: string;
	nodes: Array<{ id: string; available: boolean; services: string[] }>;
	missingServices: string[];
	time: string;
}
