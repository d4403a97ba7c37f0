/**
 * End to end through the real users service (no minted tokens): a customer registered over
 * POST /auth/register may read but not write products; the admin bootstrapped from
 * ADMIN_EMAIL / ADMIN_PASSWORD logs in over POST /auth/login and manages the catalog, and the
 * product's initial stock reaches inventory (product.created) and is adjusted through products.
 */
import { randomUUID } from "node:crypto";
import { client, type Client } from "../helpers/http";
import { startStack, type Stack } from "../helpers/stack";

const ADMIN_EMAIL = "catalog-admin@shop.test";
const ADMIN_PASSWORD = "Catalog-Adm1n-Passw0rd!";

describe("products with tokens from the real users service (all services, embedded store)", () => {
	let stack: Stack;
	let api: Client;

	beforeAll(async () => {
		stack = await startStack({
			env: { ADMIN_EMAIL, ADMIN_PASSWORD, DB_URI: undefined, PRODUCTS_DB_URI: undefined, RATE_LIMIT_MAX: "100000" }
		});
		api = client(stack.baseUrl);
	});
	afterAll(() => stack?.stop());

	let adminToken: string;
	let customerToken: string;
	let productId: string;

	it("a registered customer can read the catalog but not write it (403)", async () => {
		const reg = await api.post("/api/v1/auth/register", {
			email: `shopper-${randomUUID().slice(0, 8)}@shop.test`,
			password: "Sh0pper-Passw0rd!",
			name: "Shopper"
		});
		expect(reg.status).toBe(201);
		expect(reg.body.user.roles).toEqual(["customer"]);
		customerToken = reg.body.accessToken;
		expect((await api.get("/api/v1/products", { token: customerToken })).status).toBe(200);
		const write = await api.post("/api/v1/products", { name: "Nope", price: 1 }, { token: customerToken });
		expect(write.status).toBe(403);
		expect(write.body.error.code).toBe(403);
	});

	it("the bootstrapped admin logs in and creates, updates and deletes products", async () => {
		const login = await api.post("/api/v1/auth/login", { email: ADMIN_EMAIL, password: ADMIN_PASSWORD });
		expect(login.status).toBe(200);
		expect(login.body.user.roles).toContain("admin");
		adminToken = login.body.accessToken;

		const created = await api.post(
			"/api/v1/products",
			{ name: "Admin Lamp", price: 49.9, category: "Lamps", stock: 10 },
			{ token: adminToken }
		);
		expect(created.status).toBe(201);
		productId = created.body.id;
		const updated = await api.put(`/api/v1/products/${productId}`, { price: 39.9 }, { token: adminToken });
		expect(updated.body.price).toBe(39.9);
		expect((await api.get(`/api/v1/products/${productId}`, { token: customerToken })).body.price).toBe(39.9);
	});

	it("the initial stock reaches inventory, and PATCH /products/:id/stock adjusts it there", async () => {
		let item: { onHand: number } | undefined;
		for (let i = 0; i < 50 && !item; i++) {
			const r = await api.get(`/api/v1/inventory/check?productId=${productId}&quantity=1`, { token: adminToken });
			if (r.status === 200) item = r.body;
			else await new Promise(res => setTimeout(res, 50));
		}
		expect(item).toBeDefined();
		const adjusted = await api.patch(`/api/v1/products/${productId}/stock`, { delta: -3, reason: "damaged" }, { token: adminToken });
		expect(adjusted.status).toBe(200);
		expect(adjusted.body).toMatchObject({ productId, onHand: 7 });
		const set = await api.patch(`/api/v1/products/${productId}/stock`, { onHand: 25 }, { token: adminToken });
		expect(set.body).toMatchObject({ productId, onHand: 25 });
	});

	it("the admin deletes the product (204)", async () => {
		expect((await api.del(`/api/v1/products/${productId}`, { token: adminToken })).status).toBe(204);
		expect((await api.get(`/api/v1/products/${productId}`)).status).toBe(404);
	});
});
