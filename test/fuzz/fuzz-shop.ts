/**
 * The app the fuzz suite runs against: the whole system in-process on the embedded store, an
 * admin and a customer, and real entities (products with stock, an address, a paid order with its
 * payment and shipment) whose ids the generators use, so fuzzed requests reach the handlers.
 */
import { startStack, type Stack } from "../helpers/stack";
import { ADMIN_EMAIL, ADMIN_PASSWORD, Shop, type Customer } from "../orders/shop";
import { ADDRESS, mintToken } from "../orders/support";
import type { Accounts } from "./requests";
import type { IdPool } from "./values";

export const FUZZ_ENV: Record<string, string> = {
	ADMIN_EMAIL,
	ADMIN_PASSWORD,
	RATE_LIMIT_MAX: "10000000",
	RATE_LIMIT_USER_MAX: "10000000",
	RATE_LIMIT_LOGIN_MAX: "10000000",
	PAYMENT_RETRY_DELAY_MS: "5",
	// Stuck orders are re-driven within seconds, so "no order stuck" can be checked with a short wait.
	ORDER_RECONCILE_INTERVAL_MS: "1000",
	ORDER_STUCK_AFTER_MS: "2000"
};

export interface FuzzShop {
	stack: Stack;
	shop: Shop;
	customer: Customer;
	accounts: Accounts;
	/** Fresh entities (the fuzzing deletes and cancels some); call again to refill. */
	refill(): Promise<IdPool>;
	/**
	 * Ids and the email of another customer's account, address, order, payment and shipment: the
	 * generators use the ids too, and no answer to the fuzzed customer (or anyone anonymous) may
	 * show any of them unless the request itself named it.
	 */
	secrets: string[];
}

export async function startFuzzShop(): Promise<FuzzShop> {
	const stack = await startStack({ env: FUZZ_ENV });
	const shop = new Shop(stack.baseUrl);
	try {
		await shop.loginAdmin();
		const admin = await shop.api.get("/api/v1/users/me", { token: shop.adminToken });
		const customer = await shop.register("Fuzz Customer");
		const accounts: Accounts = { admin: { id: admin.body.id }, customer: { id: customer.id } };
		const other = await someoneElse(shop);

		const refill = async (): Promise<IdPool> => {
			// Fresh tokens of the same accounts: the fuzzing may have ended their sessions (a password change, a logout).
			shop.adminToken = mintToken(["admin"], accounts.admin.id);
			customer.token = mintToken(["customer"], customer.id);
			const products = [await shop.product(12.5, 40), await shop.product(3.99, 40)];
			const addressId = await anAddress(shop, customer.token);
			const order = await shop.placed(customer, [{ productId: products[0].id, quantity: 1 }]);
			await shop.reaches(customer, order.id, "paid");
			const payment = await shop.payment(order.id);
			const shipment = await shop.shipment(order.id);
			const item = await shop.stockItem(products[0].id);
			const byField: Record<string, string[]> = {
				productId: products.map(p => p.id),
				orderId: [order.id, other.orderId],
				userId: [customer.id, accounts.admin.id, other.userId],
				addressId: [addressId, other.addressId],
				file: ["index.html", "swagger-ui.css", "swagger-ui-bundle.js"]
			};
			const notes = await shop.api.get("/api/v1/notifications?pageSize=5", { token: customer.token });
			const byResource: Record<string, string[]> = {
				products: byField.productId,
				items: byField.productId,
				orders: [order.id, other.orderId],
				user: [...byField.userId, other.userId],
				users: [...byField.userId, other.userId],
				customers: [...byField.userId, other.userId],
				addresses: [addressId, other.addressId],
				inventory: [item.id],
				payments: [payment.id, other.paymentId],
				shipments: [shipment.id, other.shipmentId],
				notifications: (notes.body?.items ?? []).map((n: { id: string }) => n.id),
				docs: byField.file
			};
			byField.id = [...new Set(Object.values(byResource).flat())];
			// The other customer's ids go only where an id is expected, so a customer's own text never carries them.
			const secrets = new Set(Object.values(other));
			return { byField, byResource, all: byField.id.filter(id => !secrets.has(id)) };
		};
		return { stack, shop, customer, accounts, refill, secrets: Object.values(other) };
	} catch (err) {
		await stack.stop();
		throw err;
	}
}

/** A new address of the account, or (once the fuzzing filled its book) one it has. */
async function anAddress(shop: Shop, token: string): Promise<string> {
	const created = await shop.api.post("/api/v1/users/me/addresses", ADDRESS, { token });
	if (created.status === 201) return created.body.id;
	const book = await shop.api.get("/api/v1/users/me/addresses", { token });
	const id = created.status === 409 ? book.body?.items?.[0]?.id : undefined;
	if (!id) throw new Error(`address: ${created.status} ${JSON.stringify(created.body)}`);
	return id;
}

/** Another customer with an address and a paid order, shipped to be: what must never leak to the fuzzed one. */
async function someoneElse(shop: Shop) {
	const other = await shop.register("Other Customer");
	const address = await shop.api.post("/api/v1/users/me/addresses", ADDRESS, { token: other.token });
	if (address.status !== 201) throw new Error(`address: ${address.status} ${JSON.stringify(address.body)}`);
	const product = await shop.product(7.5, 10);
	const order = await shop.placed(other, [{ productId: product.id, quantity: 1 }]);
	await shop.reaches(other, order.id, "paid");
	const payment = await shop.payment(order.id);
	const shipment = await shop.shipment(order.id);
	return {
		userId: other.id,
		email: other.email,
		addressId: address.body.id as string,
		orderId: order.id as string,
		paymentId: payment.id as string,
		shipmentId: shipment.id as string
	};
}
