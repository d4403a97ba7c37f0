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
}

export async function startFuzzShop(): Promise<FuzzShop> {
	const stack = await startStack({ env: FUZZ_ENV });
	const shop = new Shop(stack.baseUrl);
	try {
		await shop.loginAdmin();
		const admin = await shop.api.get("/api/v1/users/me", { token: shop.adminToken });
		const customer = await shop.register("Fuzz Customer");
		const accounts: Accounts = { admin: { id: admin.body.id }, customer: { id: customer.id } };

		const refill = async (): Promise<IdPool> => {
			// Fresh tokens of the same accounts: the fuzzing may have ended their sessions (a password change, a logout).
			shop.adminToken = mintToken(["admin"], accounts.admin.id);
			customer.token = mintToken(["customer"], customer.id);
			const products = [await shop.product(12.5, 40), await shop.product(3.99, 40)];
			const address = await shop.api.post("/api/v1/users/me/addresses", ADDRESS, { token: customer.token });
			if (address.status !== 201) throw new Error(`address: ${address.status} ${JSON.stringify(address.body)}`);
			const order = await shop.placed(customer, [{ productId: products[0].id, quantity: 1 }]);
			await shop.reaches(customer, order.id, "paid");
			const payment = await shop.payment(order.id);
			const shipment = await shop.shipment(order.id);
			const item = await shop.stockItem(products[0].id);
			const byField: Record<string, string[]> = {
				productId: products.map(p => p.id),
				orderId: [order.id],
				userId: [customer.id, accounts.admin.id],
				addressId: [address.body.id],
				file: ["index.html", "swagger-ui.css", "swagger-ui-bundle.js"]
			};
			const notes = await shop.api.get("/api/v1/notifications?pageSize=5", { token: customer.token });
			const byResource: Record<string, string[]> = {
				products: byField.productId,
				items: byField.productId,
				orders: [order.id],
				user: byField.userId,
				users: byField.userId,
				customers: byField.userId,
				addresses: [address.body.id],
				inventory: [item.id],
				payments: [payment.id],
				shipments: [shipment.id],
				notifications: (notes.body?.items ?? []).map((n: { id: string }) => n.id),
				docs: byField.file
			};
			byField.id = [...new Set(Object.values(byResource).flat())];
			return { byField, byResource, all: byField.id };
		};
		return { stack, shop, customer, accounts, refill };
	} catch (err) {
		await stack.stop();
		throw err;
	}
}
