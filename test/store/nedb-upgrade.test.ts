/**
 * Upgrading a data directory of release 0.1.0 (NeDB files, test/fixtures/nedb-data-0.1.0): the whole
 * app starts on it, each service imports its files once, and the shop goes on where it stopped.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { client } from "../helpers/http";
import { startStack, type Stack } from "../helpers/stack";
import { eventually } from "../orders/support";

const FIXTURE = path.join(__dirname, "..", "fixtures", "nedb-data-0.1.0");
const LAMP = "3e254496-82c3-40b0-a7fc-8e860a83b85a";
const PENS = "ebdd4976-c576-4b3d-9f27-e03e3c5d80cc";
const CHAIR = "4a5724ef-af47-4746-b97f-183487ec4afe";
const ALICE_ADDRESS = "a27389d1-ae8c-41a8-aeda-38891a4fba65";
const ALICE_SHIPPED = "6c3b7ef3-93be-494e-8add-47e364f2a2ec";
const ALICE_CANCELLED = "cd1847ed-50c2-40fd-8f7e-0da6bc03341f";

describe("a data directory of release 0.1.0 (NeDB files)", () => {
	let dataDir: string;
	let stack: Stack | null = null;
	const start = async () => {
		stack = await startStack({ env: { DATA_DIR: dataDir, ADMIN_PASSWORD: "fixture-admin-42" } });
		return client(stack.baseUrl + "/api/v1");
	};

	beforeAll(() => {
		dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "shop-upgrade-"));
		fs.cpSync(FIXTURE, dataDir, { recursive: true });
	});
	afterEach(async () => {
		await stack?.stop();
		stack = null;
	});
	afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

	it("is imported at start: accounts, catalog, stock and orders as they were, and new orders go through", async () => {
		const api = await start();
		const login = await api.post("/auth/login", { email: "alice@example.com", password: "alice-secret-42" });
		expect(login.status).toBe(200);
		const token = login.body.accessToken as string;

		const orders = await api.get("/orders?pageSize=50", { token });
		expect(Object.fromEntries(orders.body.items.map((o: { id: string; status: string }) => [o.id, o.status]))).toEqual({
			[ALICE_SHIPPED]: "shipped",
			[ALICE_CANCELLED]: "cancelled"
		});
		expect((await api.get(`/products/${LAMP}`)).body).toMatchObject({ price: 34.9, currency: "EUR" });
		expect((await api.get(`/products/${CHAIR}`)).status).toBe(404);
		expect((await api.get(`/inventory/check?productId=${PENS}&quantity=1`)).body).toMatchObject({ available: 90 });

		const placed = await api.post(
			"/orders",
			{
				items: [{ productId: PENS, quantity: 2 }],
				addressId: ALICE_ADDRESS,
				payment: { cardNumber: "4242424242424242", expMonth: 12, expYear: 2040, cvc: "123" }
			},
			{ token }
		);
		expect(placed.status).toBe(201);
		await eventually(
			"the new order is paid",
			async () => (await api.get(`/orders/${placed.body.id}`, { token })).body.status === "paid"
		);
		for (const service of ["users", "products", "orders", "inventory", "payments", "shipping"]) {
			const files = fs.readdirSync(path.join(dataDir, service));
			expect({ service, nedb: files.filter(f => f.endsWith(".db")) }).toEqual({ service, nedb: [] });
			expect(files).toContain("store.sqlite");
		}
	});

	it("is imported once: a restart keeps what changed since and imports nothing again", async () => {
		const api = await start();
		const token = (await api.post("/auth/login", { email: "alice@example.com", password: "alice-secret-42" })).body.accessToken;
		const orders = await api.get("/orders?pageSize=50", { token });
		expect(orders.body.total).toBe(3);
		expect((await api.get(`/inventory/check?productId=${PENS}&quantity=1`)).body).toMatchObject({ available: 88 });
	});
});
