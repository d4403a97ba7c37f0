/** What the storefront's end-to-end tests set up through the real API: the demo catalog, customers, orders. */
import { DEMO_CATALOG } from "../../scripts/seed-data";
import { client, type Client } from "../helpers/http";
import { waitFor } from "../helpers/processes";

export const ADMIN = { email: "admin@web.test", password: "Admin-pass-123" };
export const CARD = { cardNumber: "4242424242424242", expMonth: 12, expYear: 2030, cvc: "123" };
export const ADDRESS = { name: "Ada Lovelace", line1: "1 Analytical Way", city: "London", postalCode: "N1 9GU", country: "GB" };

export interface Shop {
	api: Client;
	adminToken: string;
	/** Product ids by name. */
	products: Map<string, string>;
}

/** The demo catalog (scripts/seed-data.ts) without its external image URLs, plus one product with stock 1. */
export async function seedShop(baseUrl: string): Promise<Shop> {
	const api = client(baseUrl);
	const login = await api.post("/api/v1/auth/login", ADMIN);
	if (login.status !== 200) throw new Error(`admin login: ${login.status} ${JSON.stringify(login.body)}`);
	const adminToken: string = login.body.accessToken;
	const products = new Map<string, string>();
	const rows = [
		...DEMO_CATALOG.map(({ images: _images, ...p }) => p),
		{ sku: "LAST-1", name: "Last Lamp", description: "The only one.", price: 15, category: "Home & Kitchen", stock: 1 }
	];
	for (const p of rows) {
		const r = await api.post("/api/v1/products", p, { token: adminToken });
		if (r.status !== 201) throw new Error(`create ${p.name}: ${r.status} ${JSON.stringify(r.body)}`);
		products.set(p.name, r.body.id);
	}
	// Inventory learns of products from their events: wait until the last one can be checked.
	await waitFor("stock of the seeded products", async () => {
		const r = await api.get(`/api/v1/inventory/check?productId=${products.get("Last Lamp")}&quantity=1`);
		return r.status === 200 && r.body.available === 1;
	});
	return { api, adminToken, products };
}

export async function registerCustomer(shop: Shop, name: string): Promise<{ email: string; password: string; token: string }> {
	const email = `${name.toLowerCase().replace(/\W+/g, "-")}-${Date.now()}@web.test`;
	const password = "Customer-pass-1";
	const r = await shop.api.post("/api/v1/auth/register", { email, password, name });
	if (r.status !== 201) throw new Error(`register: ${r.status}`);
	return { email, password, token: r.body.accessToken };
}

/** Places an order through the API and waits until it settles (paid or cancelled). */
export async function placeOrder(shop: Shop, token: string, product: string, cardNumber = CARD.cardNumber, quantity = 1) {
	const r = await shop.api.post(
		"/api/v1/orders",
		{ items: [{ productId: shop.products.get(product), quantity }], shippingAddress: ADDRESS, payment: { ...CARD, cardNumber } },
		{ token }
	);
	if (r.status !== 201) throw new Error(`order: ${r.status} ${JSON.stringify(r.body)}`);
	const id: string = r.body.id;
	let status = "";
	await waitFor(`order ${id} to settle`, async () => {
		status = (await shop.api.get(`/api/v1/orders/${id}`, { token })).body.status;
		return status === "paid" || status === "cancelled";
	});
	return { id, status };
}

/** The admin moves the order's shipment to `status` (shipped, delivered). */
export async function moveShipment(shop: Shop, orderId: string, status: "shipped" | "delivered") {
	let shipmentId = "";
	await waitFor(`shipment of ${orderId}`, async () => {
		const r = await shop.api.get(`/api/v1/shipments?orderId=${orderId}`, { token: shop.adminToken });
		shipmentId = r.body.items?.[0]?.id ?? "";
		return !!shipmentId;
	});
	const r = await shop.api.put(`/api/v1/shipments/${shipmentId}/status`, { status }, { token: shop.adminToken });
	if (r.status !== 200) throw new Error(`shipment ${status}: ${r.status} ${JSON.stringify(r.body)}`);
}
