/**
 * Chaos with RabbitMQ carrying the order flow (AMQP_URL, a fresh vhost on the machine's broker),
 * one all-in-one process on the embedded store:
 *
 * 1. The broker closes every connection of the shop three times while customers check out (as a
 *    broker restart or an operator would). The orders reconciler is off: only the queues and the
 *    services' outboxes may complete a flow.
 * 2. The process is killed with SIGKILL during checkout and started again, now with the reconciler
 *    on (short timings): a kill between a payment's record and its charge leaves it pending, and
 *    only a timeout (PAYMENT_STALE_AFTER_MS, re-driven by the reconciler) may settle that.
 *
 * After each, every order the system holds (each one answered 201 among them) is paid or cancelled
 * with a reason, each step was applied once, stock adds up and nothing is charged twice.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { ErrorBody } from "../../lib/gateway/error-body";
import { client } from "../helpers/http";
import { adminToken, customerToken, loop, orderOf, stockedProduct, stopLoops, type Answer } from "../helpers/load";
import { freePort, startNode, waitFor, type NodeProcess } from "../helpers/processes";
import { createVhost, type TestVhost } from "../helpers/rabbitmq";
import { MESSAGING_TEST_ENV, RABBITMQ, describeWith } from "../messaging/support";
import { checkInvariants, healthyReport } from "./invariants";

jest.setTimeout(150_000);

describeWith(RABBITMQ)("chaos: RabbitMQ connections closed during checkout, then a SIGKILL", () => {
	const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "shop-chaos-amqp-"));
	const api = { current: client("http://127.0.0.1:1") };
	let vhost: TestVhost;
	let env: Record<string, string>;
	let port: number;
	let shop: NodeProcess | undefined;
	let admin: string;
	let buyers: string[];
	let products: Array<{ id: string; stock: number }>;
	const accepted: string[] = [];

	const start = async (extra: Record<string, string> = {}) => {
		shop = startNode("all-in-one", { ...env, ...extra, PORT: String(port), HOST: "127.0.0.1" });
		await waitFor(
			"the shop to be ready with RabbitMQ",
			async () => {
				const r = await api.current.get("/api/v1/health/ready");
				return r.status === 200 && r.body?.brokers?.rabbitmq === "up";
			},
			60_000
		).catch(err => {
			throw new Error(`${err.message}\n${shop!.output()}`);
		});
	};

	/** Customers' orders in 4 loops: one or two units of the plentiful product, every third order two of the scarce one too. */
	const checkout = () => {
		let n = 0;
		return loop(
			"order",
			() => {
				const i = n++;
				const body = orderOf(products[0].id, 1 + (i % 2));
				if (i % 3 === 0) body.items.push({ productId: products[1].id, quantity: 2 });
				return api.current.post("/api/v1/orders", body, { token: buyers[i % 2] });
			},
			4
		);
	};

	beforeAll(async () => {
		vhost = await createVhost("chaos");
		port = await freePort();
		api.current = client(`http://127.0.0.1:${port}`);
		env = {
			...MESSAGING_TEST_ENV,
			AMQP_URL: vhost.url,
			DATA_DIR: dataDir,
			JWT_SECRET: "chaos-test-secret",
			ADMIN_EMAIL: "admin@chaos.test",
			ADMIN_PASSWORD: "Admin-pass-123",
			RATE_LIMIT_MAX: "100000",
			// No audit by itself: the one the test runs at the end must find nothing to repair.
			STOCK_AUDIT_INTERVAL_MS: "0"
		};
		await start();
		admin = await adminToken(api.current, env.ADMIN_EMAIL, env.ADMIN_PASSWORD);
		buyers = [await customerToken(api.current, "ann@chaos.test"), await customerToken(api.current, "bob@chaos.test")];
		products = [
			{ id: await stockedProduct(api.current, admin, 1000), stock: 1000 },
			{ id: await stockedProduct(api.current, admin, 25), stock: 25 }
		];
	});

	afterAll(async () => {
		await stopLoops();
		await shop?.stop("SIGKILL");
		await vhost?.drop();
		fs.rmSync(dataDir, { recursive: true, force: true });
	});

	it("loses nothing when the broker closes the connections, without the reconciler", async () => {
		const orders = checkout();
		for (let round = 0; round < 3; round++) {
			await new Promise(r => setTimeout(r, 1000 + Math.random() * 1500));
			await vhost.closeConnections();
		}
		await new Promise(r => setTimeout(r, 1000));
		const answers = await orders.stop();
		accepted.push(...answers.filter(a => a.status === 201).map(a => (a.body as { id: string }).id));

		expect(answers.filter(a => a.status !== 201).map(a => ({ status: a.status, body: a.body }))).toEqual([]);
		expect(accepted.length).toBeGreaterThan(20);
		const report = await checkInvariants(api.current, admin, accepted, products, { shipping: true, notifications: true });
		expect(report).toEqual(healthyReport(report, products));
	});

	it("loses nothing when the process is killed during checkout, with the reconciler handling timeouts", async () => {
		const orders = checkout();
		await new Promise(r => setTimeout(r, 1500 + Math.random() * 1500));
		const killedAt = Date.now();
		await shop!.stop("SIGKILL");
		await start({
			ORDER_RECONCILE_INTERVAL_MS: "500",
			ORDER_STUCK_AFTER_MS: "1500",
			PAYMENT_STALE_AFTER_MS: "3000",
			PAYMENT_REANNOUNCE_AFTER_MS: "1000"
		});
		const readyAt = Date.now();
		await new Promise(r => setTimeout(r, 1500));
		const answers = await orders.stop();
		accepted.push(...answers.filter(a => a.status === 201).map(a => (a.body as { id: string }).id));

		// Created (201), cut by the kill (no status), or 503 with the error body while the process starts again: never a 500.
		const starting = (a: Answer) => a.sentAt + a.ms >= killedAt && a.sentAt <= readyAt;
		const unexpected = answers.filter(
			a => a.status !== 201 && !(starting(a) && (a.status === 0 || (a.status === 503 && (a.body as ErrorBody)?.error?.code === 503)))
		);
		expect(unexpected.map(a => ({ status: a.status, body: a.body, sentAt: a.sentAt, killedAt, readyAt }))).toEqual([]);
		const report = await checkInvariants(api.current, admin, accepted, products, { shipping: true, notifications: true });
		expect(report).toEqual(healthyReport(report, products));
	});
});
