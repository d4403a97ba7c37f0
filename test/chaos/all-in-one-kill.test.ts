/**
 * Chaos: the all-in-one process (every service, embedded store) killed with SIGKILL twice while
 * customers check out, and started again on the same data directory each time. Then every order
 * the system holds (each one answered 201 among them) is paid or cancelled with a reason, each
 * step was applied once, stock adds up (reserved = what paid orders hold = the movement log's net,
 * and a stock audit finds nothing to repair) and no order is charged twice.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { client } from "../helpers/http";
import type { ErrorBody } from "../../lib/gateway/error-body";
import { adminToken, customerToken, loop, orderOf, stockedProduct, stopLoops, type Answer } from "../helpers/load";
import { freePort, startNode, waitFor, type NodeProcess } from "../helpers/processes";
import { checkInvariants, healthyReport } from "./invariants";

jest.setTimeout(180_000);

describe("chaos: the all-in-one process killed with SIGKILL during checkout (embedded store)", () => {
	const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "shop-chaos-aio-"));
	const env = {
		DATA_DIR: dataDir,
		JWT_SECRET: "chaos-test-secret",
		ADMIN_EMAIL: "admin@chaos.test",
		ADMIN_PASSWORD: "Admin-pass-123",
		RATE_LIMIT_MAX: "100000",
		ORDER_STUCK_AFTER_MS: "1500",
		ORDER_RECONCILE_INTERVAL_MS: "500",
		// A kill between a payment's record and its charge leaves it pending until this timeout.
		PAYMENT_STALE_AFTER_MS: "3000",
		PAYMENT_REANNOUNCE_AFTER_MS: "1000",
		// No audit by itself: the one the test runs at the end must find nothing to repair.
		STOCK_AUDIT_INTERVAL_MS: "0"
	};
	let shop: NodeProcess | undefined;

	afterAll(async () => {
		await stopLoops();
		await shop?.stop("SIGKILL");
		fs.rmSync(dataDir, { recursive: true, force: true });
	});

	it("loses no order, applies no step twice, keeps stock right and charges once", async () => {
		const port = await freePort();
		/** [killed, ready again] of each restart: the only time an order may be refused (503, the process is starting). */
		const restarts: Array<[number, number]> = [];
		const start = async () => {
			shop = startNode("all-in-one", { ...env, PORT: String(port), HOST: "127.0.0.1" });
			await waitFor("the shop to be ready", async () => (await api.get("/api/v1/health/ready")).status === 200, 60_000).catch(err => {
				throw new Error(`${err.message}\n${shop!.output()}`);
			});
		};
		const api = client(`http://127.0.0.1:${port}`);
		await start();
		const admin = await adminToken(api, env.ADMIN_EMAIL, env.ADMIN_PASSWORD);
		const buyers = [await customerToken(api, "ann@chaos.test"), await customerToken(api, "bob@chaos.test")];
		// Plenty of one, little of the other: some orders are cancelled out_of_stock.
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
			const killedAt = Date.now();
			await shop!.stop("SIGKILL");
			await start();
			restarts.push([killedAt, Date.now()]);
		}
		await new Promise(r => setTimeout(r, 1500));
		const answers = await orders.stop();

		const accepted = answers.filter(a => a.status === 201).map(a => (a.body as { id: string }).id);
		// Created (201), cut by the kill (no status), or 503 with the error body while the process starts again: never a 500.
		const starting = (a: Answer) => restarts.some(([from, to]) => a.sentAt + a.ms >= from && a.sentAt <= to);
		const unexpected = answers.filter(
			a => a.status !== 201 && !(starting(a) && (a.status === 0 || (a.status === 503 && (a.body as ErrorBody)?.error?.code === 503)))
		);
		expect(unexpected.map(a => ({ status: a.status, body: a.body, sentAt: a.sentAt, restarts }))).toEqual([]);
		expect(accepted.length).toBeGreaterThan(20);

		const report = await checkInvariants(api, admin, accepted, products, { shipping: true, notifications: true });
		expect(report).toEqual(healthyReport(report, products));
	});
});
