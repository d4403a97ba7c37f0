/**
 * Stand-ins for the services around orders and carts (users, products, payments, inventory), so
 * the orders and carts services can be tested alone, through the real gateway: their internal
 * actions answer from in-memory tables, and every call and every order.* event is recorded.
 * The tests drive the flow by emitting the other services' events themselves.
 * The end-to-end suites (orders-e2e, carts-e2e, orders-concurrency) use the real services instead.
 */
import { randomUUID } from "node:crypto";
import type { ServiceBroker, ServiceSchema } from "moleculer";
import { NotFoundError, invalidField } from "../../lib/errors";
import { createEvent, type DomainEvent } from "../../lib/events";

export interface FakeProduct {
	id: string;
	name: string;
	price: number;
	currency: string;
}

export interface Fakes {
	services: ServiceSchema[];
	products: Map<string, FakeProduct>;
	/** Address books: userId -> addressId -> address. */
	addresses: Map<string, Map<string, Record<string, unknown>>>;
	/** Users that users.verify reports as missing. */
	deletedUsers: Set<string>;
	/** Card numbers that payments.tokenize refuses with a 422 naming payment.cardNumber. */
	badCards: Set<string>;
	calls: Array<{ action: string; params: any }>;
	events: DomainEvent<any>[];
	addProduct(p: Partial<FakeProduct> & { price: number }): FakeProduct;
	/** The order.* events recorded for an order, in order. */
	eventsOf(orderId: string): DomainEvent<any>[];
	callsOf(action: string): any[];
	reset(): void;
}

export function createFakes(): Fakes {
	const products = new Map<string, FakeProduct>();
	const addresses = new Map<string, Map<string, Record<string, unknown>>>();
	const deletedUsers = new Set<string>();
	const badCards = new Set<string>(["1234"]);
	const calls: Fakes["calls"] = [];
	const events: DomainEvent<any>[] = [];
	const record = (action: string, params: unknown) => calls.push({ action, params: JSON.parse(JSON.stringify(params)) });

	const users: ServiceSchema = {
		name: "users",
		actions: {
			/** The gateway asks for these when a users service appears. */
			revokedSessions() {
				return [];
			},
			verify(ctx) {
				const { id } = ctx.params as { id: string };
				record("users.verify", ctx.params);
				return deletedUsers.has(id) ? { exists: false, id } : { exists: true, id, active: true };
			},
			getAddress(ctx) {
				const { userId, addressId } = ctx.params as { userId: string; addressId: string };
				record("users.getAddress", ctx.params);
				const a = addresses.get(userId)?.get(addressId);
				if (!a) throw new NotFoundError("Address", addressId);
				return {
					id: addressId,
					isDefault: false,
					createdAt: "2024-01-01T00:00:00.000Z",
					updatedAt: "2024-01-01T00:00:00.000Z",
					...a,
					userId
				};
			}
		}
	};

	const productsService: ServiceSchema = {
		name: "products",
		actions: {
			get(ctx) {
				const { id } = ctx.params as { id: string };
				record("products.get", ctx.params);
				const p = products.get(id);
				if (!p) throw new NotFoundError("Product", id);
				return {
					...p,
					description: "",
					category: "test",
					images: [],
					createdAt: "2024-01-01T00:00:00.000Z",
					updatedAt: "2024-01-01T00:00:00.000Z"
				};
			}
		}
	};

	const payments: ServiceSchema = {
		name: "payments",
		actions: {
			tokenize(ctx) {
				const { card } = ctx.params as { userId: string; card: { cardNumber?: string } };
				// Only the last four digits are recorded: the real provider never keeps the number either.
				record("payments.tokenize", { last4: String(card.cardNumber ?? "").slice(-4) });
				const number = String(card.cardNumber ?? "");
				if (!number || badCards.has(number))
					throw invalidField("payment.cardNumber", "The card number is not valid.", "cardNumberLuhn");
				return { token: `tok_${randomUUID()}`, brand: "visa", last4: number.slice(-4) };
			},
			refundOrder(ctx) {
				record("payments.refundOrder", ctx.params);
				return { orderId: (ctx.params as { orderId: string }).orderId, status: "refunded" };
			}
		}
	};

	const inventory: ServiceSchema = {
		name: "inventory",
		actions: {
			releaseOrder(ctx) {
				record("inventory.releaseOrder", ctx.params);
				return { status: "released" };
			}
		}
	};

	const probe: ServiceSchema = {
		name: "order-events-probe",
		events: {
			"order.*"(ctx) {
				events.push(ctx.params as DomainEvent<any>);
			}
		}
	};

	return {
		services: [users, productsService, payments, inventory, probe],
		products,
		addresses,
		deletedUsers,
		badCards,
		calls,
		events,
		addProduct(p) {
			const product: FakeProduct = {
				id: p.id ?? randomUUID(),
				name: p.name ?? `Product ${products.size + 1}`,
				currency: p.currency ?? "EUR",
				price: p.price
			};
			products.set(product.id, product);
			return product;
		},
		eventsOf: orderId => events.filter(e => e.data?.orderId === orderId),
		callsOf: action => calls.filter(c => c.action === action).map(c => c.params),
		reset() {
			calls.length = 0;
			events.length = 0;
		}
	};
}

/** Emits another service's event in the standard envelope, as that service would. */
export function emitAs(
	broker: ServiceBroker,
	source: string,
	type: string,
	data: { orderId: string } & Record<string, unknown>,
	id?: string
) {
	const event = createEvent(source, type, data.orderId, data);
	if (id) event.id = id;
	return broker.emit(type, event).then(() => event);
}
