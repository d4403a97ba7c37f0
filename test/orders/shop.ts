/**
 * A client of the whole shop over HTTP, as the end-to-end suites use it: the admin logs in with
 * ADMIN_EMAIL/ADMIN_PASSWORD, customers register, products are created with stock, and the
 * inventory, payments and shipments are read back through the gateway.
 */
import { randomUUID } from "node:crypto";
import { client, type Client } from "../helpers/http";
import { ADDRESS, CARDS, eventually, orderReaches } from "./support";

export const ADMIN_EMAIL = "admin@orders-e2e.test";
export const ADMIN_PASSWORD = "Admin-pass-123";

/** Environment of an end-to-end stack (plus DB_URI for the storage under test). */
export const E2E_ENV: Record<string, string> = {
	ADMIN_EMAIL,
	ADMIN_PASSWORD,
	RATE_LIMIT_MAX: "100000",
	PAYMENT_RETRY_DELAY_MS: "5",
	// The tests call orders.reconcile themselves.
	ORDER_RECONCILE_INTERVAL_MS: "0",
	REQUEST_TIMEOUT_MS: "30000"
};

export interface Customer {
	id: string;
	token: string;
	email: string;
}

export class Shop {
	readonly api: Client;
	adminToken = "";

	constructor(baseUrl: string) {
		this.api = client(baseUrl);
	}

	async loginAdmin(): Promise<string> {
		const r = await this.api.post("/api/v1/auth/login", { email: ADMIN_EMAIL, password: ADMIN_PASSWORD });
		if (r.status !== 200) throw new Error(`admin login: ${r.status} ${JSON.stringify(r.body)}`);
		this.adminToken = r.body.accessToken;
		return this.adminToken;
	}

	async register(name = "Customer"): Promise<Customer> {
		const email = `c-${randomUUID()}@orders-e2e.test`;
		const r = await this.api.post("/api/v1/auth/register", { email, password: "Customer-pass-1", name });
		if (r.status !== 201) throw new Error(`register: ${r.status} ${JSON.stringify(r.body)}`);
		return { id: r.body.user.id, token: r.body.accessToken, email };
	}

	/** Creates a product with initial stock and waits until inventory has it. */
	async product(price: number, stock: number, extra: Record<string, unknown> = {}): Promise<any> {
		const r = await this.api.post(
			"/api/v1/products",
			{ name: `Product ${randomUUID().slice(0, 8)}`, price, category: "e2e", stock, ...extra },
			{ token: this.adminToken }
		);
		if (r.status !== 201) throw new Error(`create product: ${r.status} ${JSON.stringify(r.body)}`);
		await eventually(`stock of ${r.body.id}`, async () => (await this.available(r.body.id)) === stock);
		return r.body;
	}

	/** GET /inventory/check: what can be ordered now. */
	async available(productId: string): Promise<number | undefined> {
		const r = await this.api.get(`/api/v1/inventory/check?productId=${productId}&quantity=1`);
		return r.status === 200 ? r.body.available : undefined;
	}

	/** The inventory item (onHand, reserved, available) of a product, from the admin list. */
	async stockItem(productId: string): Promise<any> {
		for (let page = 1; page < 100; page++) {
			const r = await this.api.get(`/api/v1/inventory?page=${page}&pageSize=100`, { token: this.adminToken });
			if (r.status !== 200) throw new Error(`inventory list: ${r.status} ${JSON.stringify(r.body)}`);
			const item = r.body.items.find((i: any) => i.productId === productId);
			if (item) return item;
			if (r.body.items.length < 100) return undefined;
		}
	}

	order(c: Customer, items: Array<{ productId: string; quantity: number }>, card = CARDS.ok, headers?: Record<string, string>) {
		return this.api.post("/api/v1/orders", { items, shippingAddress: ADDRESS, payment: card }, { token: c.token, headers });
	}

	async placed(c: Customer, items: Array<{ productId: string; quantity: number }>, card = CARDS.ok): Promise<any> {
		const r = await this.order(c, items, card);
		if (r.status !== 201) throw new Error(`place order: ${r.status} ${JSON.stringify(r.body)}`);
		return r.body;
	}

	reaches(c: Customer | string, orderId: string, statuses: string | string[], timeoutMs = 20_000) {
		return orderReaches(this.api, typeof c === "string" ? c : c.token, orderId, statuses, timeoutMs);
	}

	/** The payment of an order (GET /payments?orderId=), once it exists. */
	async payment(orderId: string, status?: string): Promise<any> {
		return eventually(`payment of ${orderId}${status ? ` to be ${status}` : ""}`, async () => {
			const r = await this.api.get(`/api/v1/payments?orderId=${orderId}`, { token: this.adminToken });
			const p = r.body?.items?.[0];
			return p && (!status || p.status === status) ? p : null;
		});
	}

	async shipment(orderId: string): Promise<any> {
		return eventually(`shipment of ${orderId}`, async () => {
			const r = await this.api.get(`/api/v1/shipments?orderId=${orderId}`, { token: this.adminToken });
			return r.body?.items?.[0] ?? null;
		});
	}

	async countOrders(status: string): Promise<number> {
		const r = await this.api.get(`/api/v1/orders?status=${status}&pageSize=1`, { token: this.adminToken });
		if (r.status !== 200) throw new Error(`count orders: ${r.status} ${JSON.stringify(r.body)}`);
		return r.body.total;
	}
}
