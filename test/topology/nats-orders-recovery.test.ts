/**
 * No stuck orders when a node dies: in the split topology over the machine's NATS, the inventory
 * process (then the shipping process) is stopped while customers place orders; once it is started
 * again the orders service's reconciler re-drives the orders whose events found no listener, and
 * every order completes (every paid order gets its shipment).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { client, type Client } from "../helpers/http";
import { freePort, startNode, waitFor, type NodeProcess } from "../helpers/processes";
import { describeWithServer } from "../helpers/servers";

jest.setTimeout(180_000);

const describeWithNats = describeWithServer("NATS", "127.0.0.1", 4222);
const CARD = { cardNumber: "4242424242424242", expMonth: 12, expYear: new Date().getFullYear() + 2, cvc: "123" };
const ADDRESS = { line1: "1 Main St", city: "Berlin", postalCode: "10115", country: "DE" };

describeWithNats("orders survive an inventory node outage (split topology over NATS)", () => {
	const namespace = `recovery-${process.pid}-${Date.now().toString(36)}`;
	const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "shop-recovery-"));
	const common = {
		TRANSPORTER: "nats://127.0.0.1:4222",
		NAMESPACE: namespace,
		JWT_SECRET: "recovery-test-secret",
		DATA_DIR: dataDir,
		ADMIN_EMAIL: "admin@recovery.test",
		ADMIN_PASSWORD: "Admin-pass-123",
		RATE_LIMIT_MAX: "100000",
		ORDER_STUCK_AFTER_MS: "1500",
		ORDER_RECONCILE_INTERVAL_MS: "500"
	};
	let front: NodeProcess;
	let flow: NodeProcess;
	let inventory: NodeProcess;
	let shipping: NodeProcess;
	let api: Client;
	let admin: string;
	let customer: string;
	let productId: string;

	const startInventory = () => startNode("inventory", { ...common, SERVICES: "inventory", NODE_ID: `${namespace}-inventory` });
	const startShipping = () => startNode("shipping", { ...common, SERVICES: "shipping", NODE_ID: `${namespace}-shipping` });
	const liveServices = async () =>
		((await api.get("/api/v1/health")).body?.nodes ?? [])
			.filter((n: { available: boolean }) => n.available)
			.flatMap((n: { services: string[] }) => n.services) as string[];

	/** Places `count` orders of one unit each; every one is accepted as pending. */
	const placeOrders = async (count: number): Promise<string[]> => {
		const ids: string[] = [];
		for (let i = 0; i < count; i++) {
			const r = await api.post(
				"/api/v1/orders",
				{ items: [{ productId, quantity: 1 }], shippingAddress: ADDRESS, payment: CARD },
				{ token: customer }
			);
			expect({ status: r.status, body: r.body }).toEqual({ status: 201, body: expect.objectContaining({ status: "pending" }) });
			ids.push(r.body.id);
		}
		return ids;
	};

	beforeAll(async () => {
		const port = await freePort();
		front = startNode("front", {
			...common,
			SERVICES: "api,users,products,carts",
			NODE_ID: `${namespace}-front`,
			PORT: String(port),
			HOST: "127.0.0.1"
		});
		flow = startNode("flow", { ...common, SERVICES: "orders,payments", NODE_ID: `${namespace}-flow` });
		inventory = startInventory();
		shipping = startShipping();
		api = client(`http://127.0.0.1:${port}`);
		await waitFor(
			"all services",
			async () => {
				const services = await liveServices();
				return ["inventory", "orders", "shipping"].every(s => services.includes(s));
			},
			60_000
		);
		admin = (
			await waitFor("admin login", async () => {
				const r = await api.post("/api/v1/auth/login", { email: common.ADMIN_EMAIL, password: common.ADMIN_PASSWORD });
				return r.status === 200 ? r : null;
			})
		).body.accessToken;
		customer = (await api.post("/api/v1/auth/register", { email: "buyer@recovery.test", password: "Buyer-pass-1", name: "Buyer" })).body
			.accessToken;
		const product = await api.post(
			"/api/v1/products",
			{ name: "Recovered", description: "", price: 5, category: "test", stock: 50 },
			{ token: admin }
		);
		expect(product.status).toBe(201);
		productId = product.body.id;
		await waitFor(
			"inventory record",
			async () => (await api.get(`/api/v1/inventory/check?productId=${productId}&quantity=1`)).body?.available === 50
		);
	});

	afterAll(async () => {
		await Promise.all([front, flow, inventory, shipping].filter(Boolean).map(p => p.stop()));
		fs.rmSync(dataDir, { recursive: true, force: true });
	});

	it("completes orders placed while the inventory node was down", async () => {
		await inventory.stop("SIGTERM");
		await waitFor("gateway to notice", async () => !(await liveServices()).includes("inventory"), 15_000);

		const ids = await placeOrders(5);
		await new Promise(r => setTimeout(r, 2500));
		for (const id of ids) expect((await api.get(`/api/v1/orders/${id}`, { token: customer })).body.status).toBe("pending");

		inventory = startInventory();
		for (const id of ids) {
			const order = await waitFor(
				`order ${id} to be paid`,
				async () => {
					const r = await api.get(`/api/v1/orders/${id}`, { token: customer });
					return r.body.status === "paid" ? r.body : null;
				},
				60_000
			);
			expect(order.statusHistory.map((h: { status: string }) => h.status)).toEqual(["pending", "confirmed", "paid"]);
		}
		const stock = await api.get(`/api/v1/inventory/check?productId=${productId}&quantity=1`);
		expect(stock.body.available).toBe(45);
	});

	it("gives every order paid while the shipping node was down its shipment once it is back", async () => {
		await shipping.stop("SIGTERM");
		await waitFor("gateway to notice", async () => !(await liveServices()).includes("shipping"), 15_000);

		const ids = await placeOrders(3);
		// Paid with nobody to hear order.paid, and still so after the reconciler's period.
		for (const id of ids)
			await waitFor(
				`order ${id} to be paid`,
				async () => (await api.get(`/api/v1/orders/${id}`, { token: customer })).body.status === "paid"
			);
		await new Promise(r => setTimeout(r, 2500));

		shipping = startShipping();
		for (const id of ids) {
			const shipments = await waitFor(
				`a shipment for order ${id}`,
				async () => {
					const r = await api.get(`/api/v1/shipments?orderId=${id}`, { token: customer });
					return r.status === 200 && r.body.total > 0 ? r.body.items : null;
				},
				60_000
			);
			expect(shipments).toHaveLength(1);
		}
		// The flow goes on from there as usual: shipping the first one ships the order.
		const [first] = (await api.get(`/api/v1/shipments?orderId=${ids[0]}`, { token: customer })).body.items;
		expect((await api.put(`/api/v1/shipments/${first.id}/status`, { status: "shipped" }, { token: admin })).status).toBe(200);
		await waitFor(
			"order shipped",
			async () => (await api.get(`/api/v1/orders/${ids[0]}`, { token: customer })).body.status === "shipped"
		);
	});
});
