/**
 * Concurrent writes to the same few entities: orders placed (some with the same Idempotency-Key),
 * cancelled, moved by the admin, refunded and shipped, stock adjusted and set, carts filled and
 * checked out, all at once. Each step names its target by index into what exists when it is sent
 * (the orders placed so far), so a batch can cancel the orders an earlier batch placed.
 */
import fc from "fast-check";
import { CARDS } from "../orders/support";
import type { FuzzRequest, Role } from "./requests";

export type RaceKind = "place" | "cancel" | "adminStatus" | "refund" | "ship" | "adjustStock" | "setOnHand" | "cartAdd" | "checkout";

export interface RaceStep {
	kind: RaceKind;
	/** Picks the order, product or status (modulo what exists). */
	pick: number;
	quantity: number;
	/** One of two shared keys, so concurrent places with the same key race each other. */
	key?: "k1" | "k2";
}

/** What the steps act on: known when the step is sent. */
export interface RaceState {
	productIds: string[];
	itemIds: string[];
	addressId: string;
	/** Orders placed so far, with their payment and shipment once known. */
	orders: Array<{ id: string; paymentId?: string; shipmentId?: string }>;
	/** The run's two Idempotency-Keys (fresh per run: a key answers its first response for a day). */
	keys: { k1: string; k2: string };
}

export const raceStep: fc.Arbitrary<RaceStep> = fc.noBias(
	fc.record(
		{
			kind: fc.constantFrom<RaceKind>(
				"place",
				"place",
				"cancel",
				"adminStatus",
				"refund",
				"ship",
				"adjustStock",
				"setOnHand",
				"cartAdd",
				"checkout"
			),
			pick: fc.nat(),
			quantity: fc.integer({ min: 1, max: 4 }),
			key: fc.constantFrom<"k1" | "k2">("k1", "k2")
		},
		{ requiredKeys: ["kind", "pick", "quantity"] }
	)
);

const ORDER_MOVES = ["cancelled", "shipped", "delivered", "paid", "confirmed"];

/** The HTTP request of a step, against the state as it is now. */
export function raceRequest(step: RaceStep, s: RaceState): FuzzRequest {
	const product = s.productIds[step.pick % s.productIds.length];
	const order = s.orders.length ? s.orders[step.pick % s.orders.length] : undefined;
	const as = (role: Role, method: string, url: string, body?: unknown, idempotencyKey?: string): FuzzRequest => ({
		op: `race.${step.kind}`,
		role,
		auth: "role",
		method,
		url: `/api/v1${url}`,
		transport: "json",
		...(body !== undefined ? { body: JSON.stringify(body) } : {}),
		...(idempotencyKey ? { idempotencyKey } : {})
	});
	const payment = CARDS.ok;
	switch (step.kind) {
		case "place":
			return as(
				"customer",
				"POST",
				"/orders",
				{ items: [{ productId: product, quantity: step.quantity }], addressId: s.addressId, payment },
				step.key ? s.keys[step.key] : undefined
			);
		case "cancel":
			return as("customer", "DELETE", `/orders/${order?.id ?? "none"}`);
		case "adminStatus":
			return as("admin", "PUT", `/orders/${order?.id ?? "none"}/status`, {
				status: ORDER_MOVES[step.pick % ORDER_MOVES.length],
				reason: "race"
			});
		case "refund":
			return as("admin", "POST", `/payments/${order?.paymentId ?? "none"}/refund`);
		case "ship":
			return as("admin", "PUT", `/shipments/${order?.shipmentId ?? "none"}/status`, {
				status: step.pick % 2 ? "shipped" : "delivered"
			});
		case "adjustStock":
			return as("admin", "PATCH", `/products/${product}/stock`, {
				delta: step.pick % 3 === 0 ? -step.quantity : step.quantity,
				reason: "race"
			});
		case "setOnHand":
			return as("admin", "PUT", `/inventory/${s.itemIds[step.pick % s.itemIds.length]}`, { onHand: step.quantity * 3 });
		case "cartAdd":
			return as("customer", "POST", "/cart/items", { productId: product, quantity: step.quantity });
		case "checkout":
			return as("customer", "POST", "/cart/checkout", { addressId: s.addressId, payment }, step.key ? s.keys[step.key] : undefined);
	}
}
