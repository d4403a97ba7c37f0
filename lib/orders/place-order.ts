/**
 * Places an order: checks the request against the user, the catalog and the address book, prices
 * it on the server, swaps the card for a token, and inserts it `pending` (with its order.created,
 * in one write: `deps.insert`). Nothing here is read-then-write: the unique idempotencyKey decides between
 * concurrent duplicates (the loser answers the winner's order).
 */
import { Errors } from "moleculer";
import { InvalidFieldsError, UnauthorizedError } from "../errors";
import { DuplicateKeyError, type Store } from "../store";
import type { OrderDoc, OrderPaymentDoc, ShippingAddress } from "./collections";
import { mergeLines, priceLines, type CatalogProduct, type RequestedLine } from "./pricing";
import { checkAddressChoice, normalizeAddress } from "./shipping-address";

export interface TokenizedCard {
	token: string;
	brand?: string;
	last4?: string;
}

export interface PlaceOrderDeps {
	store: Store<OrderDoc>;
	/** Inserts the new order together with its order.created event. */
	insert(doc: Omit<OrderDoc, "id">): Promise<OrderDoc>;
	/** users.verify: false when the account does not exist (or is deactivated). */
	userExists(userId: string): Promise<boolean>;
	/** products.get: null when the product does not exist. */
	getProduct(productId: string): Promise<CatalogProduct | null>;
	/** users.getAddress: null when the address is not the user's. */
	getAddress(userId: string, addressId: string): Promise<Record<string, unknown> | null>;
	/** payments.tokenize: 422 naming payment.* for a bad card. */
	tokenize(userId: string, card: Record<string, unknown>): Promise<TokenizedCard>;
	now?: () => Date;
}

export interface PlaceOrderInput {
	userId: string;
	idempotencyKey?: string;
	items: RequestedLine[];
	shippingAddress?: Record<string, unknown> | null;
	addressId?: string | null;
	payment: Record<string, unknown>;
}

export interface PlaceOrderResult {
	order: OrderDoc;
	/** False when the Idempotency-Key had already placed this order. */
	created: boolean;
}

type FieldError = { field: string; message: string; type?: string };

function fieldErrorsOf(err: unknown): FieldError[] | null {
	if (err instanceof InvalidFieldsError) return err.data as FieldError[];
	const e = err as { code?: number; type?: string; data?: unknown };
	if (e instanceof Errors.MoleculerClientError && e.code === 422 && Array.isArray(e.data)) return e.data as FieldError[];
	return null;
}

function paymentOf(card: TokenizedCard): OrderPaymentDoc {
	const payment: OrderPaymentDoc = { status: "pending", token: card.token };
	if (card.brand) payment.brand = card.brand;
	if (card.last4) payment.last4 = card.last4;
	return payment;
}

export function storedIdempotencyKey(userId: string, key: string | undefined): string | undefined {
	return key ? `${userId}:${key}` : undefined;
}

export async function placeOrder(deps: PlaceOrderDeps, input: PlaceOrderInput): Promise<PlaceOrderResult> {
	const { userId } = input;
	const { store } = deps;
	const idempotencyKey = storedIdempotencyKey(userId, input.idempotencyKey);
	if (idempotencyKey) {
		const first = await store.findOne({ idempotencyKey });
		if (first) return { order: first, created: false };
	}

	checkAddressChoice(input.shippingAddress, input.addressId);
	const lines = mergeLines(input.items);
	if (!(await deps.userExists(userId))) throw new UnauthorizedError("The account of this token no longer exists", "INVALID_TOKEN");

	// The catalog and the address book answer concurrently; their field errors are reported together.
	const errors: FieldError[] = [];
	const collect = <T>(p: Promise<T>): Promise<T | undefined> =>
		p.catch(err => {
			const fields = fieldErrorsOf(err);
			if (!fields) throw err;
			errors.push(...fields);
			return undefined;
		});
	const [products, address] = await Promise.all([
		collect(
			Promise.all(lines.map(async l => [l.productId, await deps.getProduct(l.productId)] as const)).then(entries => {
				const map = new Map(entries);
				return priceLines(lines, map);
			})
		),
		collect(
			(async (): Promise<ShippingAddress> => {
				if (input.shippingAddress) return normalizeAddress(input.shippingAddress);
				const found = await deps.getAddress(userId, input.addressId!);
				if (!found)
					throw new InvalidFieldsError([
						{ field: "addressId", type: "notFound", message: "No address with this id in your address book." }
					]);
				return normalizeAddress(found);
			})()
		)
	]);
	if (errors.length || !products || !address) throw new InvalidFieldsError(errors);

	const card = await deps.tokenize(userId, input.payment);
	const at = (deps.now?.() ?? new Date()).toISOString();
	const doc: Omit<OrderDoc, "id"> = {
		userId,
		status: "pending",
		items: products.items,
		totalMinor: products.totalMinor,
		currency: products.currency,
		shippingAddress: address,
		payment: paymentOf(card),
		statusHistory: [{ status: "pending", at, by: userId }],
		version: 0,
		redrivenAt: at,
		shipmentId: null,
		createdAt: at,
		updatedAt: at
	};
	if (idempotencyKey) doc.idempotencyKey = idempotencyKey;
	try {
		return { order: await deps.insert(doc), created: true };
	} catch (err) {
		if (!(err instanceof DuplicateKeyError) || !idempotencyKey) throw err;
		// A concurrent request with the same key got there first: answer its order.
		const first = await store.findOne({ idempotencyKey });
		if (!first) throw err;
		return { order: first, created: false };
	}
}
