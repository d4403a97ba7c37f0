/**
 * Chaos in the split topology over the machine's NATS: the inventory node killed with SIGKILL twice
 * while customers check out, and started again on its data each time. Then every order the system
 * holds (each one answered 201 among them) is paid or cancelled with a reason, each step was
 * applied once, stock adds up (reserved = what paid orders hold = the movement log's net, and a
 * stock audit finds nothing to repair) and no order is charged twice.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { client, type Client } from "../helpers/http";
import { adminToken, customerToken, liveServices, loop, orderOf, statusCounts, stockedProduct, stopLoops } from "../helpers/load";
import { freePort, startNode, waitFor, type NodeProcess } from "../helpers/processes";
import { describeWithServer } from "../helpers/servers";
import { checkInvariants, healthyReport } from "./invariants";

jest.setTimeout(180_000);

const describeWithNats = describeWithServer("NATS", "127.0.0.1", 4222);

describeWithNats("chaos: the inventory node killed with SIGKILL during checkout (split topology over NATS)", () => {
	const namespace = `chaos-nats-${process.pid}-${Date.now().toString(36)}`;
	const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "shop-chaos-nats-"));
	const common = {
		TRANSPORTER: "nats://127.0.0.1:4222",
		NAMESPACE: namespace,
		DATA_DIR: dataDir,
		JWT_SECRET: "chaos-test-secret",
		ADMIN_EMAIL: "admin@chaos.test",
		ADMIN_PASSWORD: "Admin-pass-123",
		RATE_LIMIT_MAX: "100000",
		ORDER_STUCK_AFTER_MS: "1500",
		ORDER_RECONCILE_INTERVAL_MS: "500",
		// No audit by itself: the one the test runs at the end must find nothing to repair.
		STOCK_AUDIT_INTERVAL_MS: "0"
	};
	const nodes: NodeProcess[] = [];
	const start = (name: string, services: string, extra: Record<string, string> = {}) => {
		const node = startNode(name, { ...common, SERVICES: services, NODE_ID: `${namespace}-${name}`, ...extra });
		nodes.push(node);
		return node;
	};

	afterAll(async () => {
		await stopLoops();
		await Promise.all(nodes.map(n => n.stop("SIGKILL")));
		fs.rmSync(dataDir, { recursive: true, force: true });
	});

	let api: Client;
	let admin: string;
	let inventory: NodeProcess;
	const inventoryUp = () =>
		waitFor(
			"every service",
			async () => {
				const live = await liveServices(api);
				return ["inventory", "orders", "payments", "shipping", "products", "users"].every(s => live.includes(s));
			},
			60_000
		);

	beforeAll(async () => {
		const port = await freePort();
		start("front", "api,users,products,carts", { PORT: String(port), HOST: "127.0.0.1" });
		start("flow", "orders,payments,shipping");
		inventory = start("inventory", "inventory");
		api = client(`http://127.0.0.1:${port}`);
		await inventoryUp();
		admin = await adminToken(api, common.ADMIN_EMAIL, common.ADMIN_PASSWORD);
	});

	it("loses no order, applies no step twice, keeps stock right and charges once", async () => {
		const buyers = [await customerToken(api, "ann@chaos.test"), await customerToken(api, "bob@chaos.test")];
		const products = [
			{ id: await stockedProduct(api, admin, 1000), stock: 1000 },
			{ id: await stockedProduct(api, admin, 25), stock: 25 }
		];

		let n = 0;
		const orders = loop(
			"order",
			() => {
				const i = n++;
				const body = orderOf(products[0].id, 1 + (i % 2));
				if (i % 3 === 0) body.items.push({ productId: products[1].id, quantity: 2 });
				return api.post("/api/v1/orders", body, { token: buyers[i % 2] });
			},
			4
		);
		for (let round = 0; round < 2; round++) {
			await new Promise(r => setTimeout(r, 1500 + Math.random() * 1500));
			await inventory.stop("SIGKILL");
			// Orders keep coming while it is away.
			await new Promise(r => setTimeout(r, 2000));
			inventory = start("inventory", "inventory");
			await inventoryUp();
		}
		await new Promise(r => setTimeout(r, 1500));
		const answers = await orders.stop();

		const accepted = answers.filter(a => a.status === 201).map(a => (a.body as { id: string }).id);
		// The gateway and the orders node never died: every order is accepted.
		expect(statusCounts(answers)).toEqual({ 201: answers.length });
		expect(accepted.length).toBeGreaterThan(20);

		const report = await checkInvariants(api, admin, accepted, products, { shipping: true, notifications: false });
		expect(report).toEqual(healthyReport(report, products));
	});

	it("gives every product created right after the inventory node died its stock record once a new one runs", async () => {
		await inventory.stop("SIGKILL");
		// Before anyone can tell it is gone: product.created is still handed to the dead node.
		const created = await Promise.all(
			[3, 4, 5, 6, 7].map(async stock => {
				const r = await api.post(
					"/api/v1/products",
					{ name: `Chaos ${stock}`, description: "", price: 2, category: "test", stock },
					{ token: admin }
				);
				return { status: r.status, id: r.body?.id as string, stock };
			})
		);
		expect(created.map(c => c.status)).toEqual([201, 201, 201, 201, 201]);
		await new Promise(r => setTimeout(r, 2000));
		inventory = start("inventory", "inventory");
		await inventoryUp();

		const stockOf = async (id: string) =>
			(await api.get(`/api/v1/inventory/check?productId=${id}&quantity=1`, { token: admin })).body?.available;
		await waitFor(
			"the stock records",
			async () => (await Promise.all(created.map(c => stockOf(c.id)))).every((a, i) => a === created[i].stock),
			30_000
		).catch(() => undefined);
		expect(await Promise.all(created.map(c => stockOf(c.id)))).toEqual(created.map(c => c.stock));
	});
});
