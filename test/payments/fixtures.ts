/** Payments test data: the test cards of docs/architecture.md, tokens, confirmed orders, stored documents. */
import { randomUUID } from "node:crypto";
import type { ServiceBroker } from "moleculer";
import type { Store } from "../../lib/store";
import { emitOrderEvent } from "./support";

export const CARDS = {
	success: "4242424242424242",
	declined: "4000000000000002",
	insufficientFunds: "4000000000009995",
	processingError: "4000000000000119",
	/** Valid (Luhn) and not a test card: succeeds. */
	mastercard: "5555555555554444",
	amex: "378282246310005"
} as const;

/** An expiry safely in the future, whatever the date the tests run on. */
export const EXPIRY = { expMonth: 12, expYear: new Date().getUTCFullYear() + 3 };

export interface Tokenized {
	token: string;
	brand: string;
	last4: string;
}

export function tokenize(broker: ServiceBroker, userId: string, cardNumber: string, cvc = "123"): Promise<Tokenized> {
	return broker.call("payments.tokenize", { userId, card: { cardNumber, ...EXPIRY, cvc } });
}

export interface ConfirmedOrder {
	orderId: string;
	userId: string;
	token: string;
	amountMinor: number;
	data: Record<string, unknown> & { orderId: string };
}

/** Tokenizes the card for a new user (unless given) and emits order.confirmed as the orders service would. */
export async function confirmOrder(
	broker: ServiceBroker,
	cardNumber: string,
	opts: { userId?: string; amountMinor?: number; orderId?: string } = {}
): Promise<ConfirmedOrder> {
	const userId = opts.userId ?? randomUUID();
	const orderId = opts.orderId ?? randomUUID();
	const amountMinor = opts.amountMinor ?? 4999;
	const { token } = await tokenize(broker, userId, cardNumber);
	const data = { orderId, userId, total: amountMinor / 100, currency: "EUR", amountMinor, paymentToken: token };
	await emitOrderEvent(broker, "order.confirmed", data);
	return { orderId, userId, token, amountMinor, data };
}

type PaymentsService = {
	stores: Record<string, Store>;
	provider: { charge(...args: unknown[]): Promise<unknown> };
};

export function paymentsService(broker: ServiceBroker): PaymentsService {
	return broker.getLocalService("payments") as unknown as PaymentsService;
}

/** Every document of every collection of the payments service. */
export async function allStoredDocuments(broker: ServiceBroker): Promise<Array<{ collection: string; doc: Record<string, unknown> }>> {
	const out: Array<{ collection: string; doc: Record<string, unknown> }> = [];
	for (const [collection, store] of Object.entries(paymentsService(broker).stores)) {
		for (const doc of await store.find()) out.push({ collection, doc });
	}
	return out;
}

/** Every leaf value of a document, with its path. */
export function leaves(value: unknown, path = ""): Array<[string, unknown]> {
	if (value && typeof value === "object") return Object.entries(value).flatMap(([k, v]) => leaves(v, path ? `${path}.${k}` : k));
	return [[path, value]];
}
