/**
 * Property-based fuzzing of the whole HTTP API (fast-check): every operation of the OpenAPI
 * document the gateway serves, as anonymous, customer and admin, with generated bad input (nulls,
 * wrong types, operator objects, odd unicode, huge and deep bodies, wrong content types and
 * encodings, odd path and query values). Every answer is a success or a 4xx with the one error
 * body, never a 5xx; no success without the right token or role, no other customer's data in any
 * answer to a customer, no stored secret (password hash, card token or number) in any answer; an
 * entity a write answered reads back the same; after each operation the server still answers its
 * health route and a normal request; the same holds for concurrent writes to the same orders,
 * payments, shipments, stock and cart; at the end no order is stuck, the stock numbers add up and
 * the stock audit repairs nothing.
 *
 * Knobs (read by this test only, not by the app):
 *   FUZZ_RUNS  generated batches per operation and role (default 15; each batch 1 to 3 requests);
 *              the mixed phase runs 5 times as many batches of concurrent requests, the phase of
 *              concurrent writes to the same entities (test/fuzz/races.ts) 3 times as many.
 *   FUZZ_SEED  the base seed (default: random, printed at the start and with every failure);
 *              operation n as role r uses FUZZ_SEED + 3n + r, so a failure replays with the same
 *              FUZZ_SEED (and FUZZ_RUNS).
 * For example: FUZZ_RUNS=100 FUZZ_SEED=42 npx jest test/fuzz
 */
import { randomUUID } from "node:crypto";
import fc from "fast-check";
import { mintToken } from "../orders/support";
import { accessProblem, leakProblem, problemWith, secretKeyProblem } from "./checks";
import { startFuzzShop, type FuzzShop } from "./fuzz-shop";
import { listAll, stockProblems, unsettledOrders, type OrderView, type StockItem } from "./invariants";
import { operationsOf, type Operation } from "./operations";
import { raceRequest, raceStep, type RaceKind, type RaceState } from "./races";
import { describeRequest, requestArb, send, type FuzzRequest, type FuzzResponse, type Role } from "./requests";
import { differences, readEntity, readUrlOf, writtenEntity } from "./round-trip";
import type { IdPool } from "./values";

const RUNS = Math.max(1, Number(process.env.FUZZ_RUNS) || 15);
const SEED =
	Number.isInteger(Number(process.env.FUZZ_SEED)) && process.env.FUZZ_SEED
		? Number(process.env.FUZZ_SEED)
		: Math.floor(Math.random() * 2 ** 31);
const ROLES: Role[] = ["anonymous", "customer", "admin"];
/** Each role's walk over all operations gets this long per batch of runs (generous: the CI box is shared). */
const WALK_TIMEOUT_MS = 60_000 + RUNS * 30_000;

jest.setTimeout(WALK_TIMEOUT_MS);

describe(`fuzzing every operation of the OpenAPI document (FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS})`, () => {
	let app: FuzzShop;
	let ops: Operation[];
	/** Answers per operation and status, printed at the end: shows how deep the fuzzing got. */
	const statuses = new Map<string, Map<number, number>>();

	beforeAll(async () => {
		console.log(`fuzz: FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS}`);
		app = await startFuzzShop();
		const doc = await app.shop.api.get("/api/v1/openapi.json");
		ops = operationsOf(doc.body);
		// The walk below must see every operation; a document that lost its paths would pass vacuously.
		expect(ops.length).toBeGreaterThan(40);
	}, 90_000);

	afterAll(async () => {
		const lines = [...statuses].map(
			([op, byStatus]) =>
				`${op}: ${[...byStatus]
					.sort(([a], [b]) => a - b)
					.map(([s, n]) => `${s}×${n}`)
					.join(" ")}`
		);
		if (lines.length) console.log(`fuzz: answers by operation (FUZZ_SEED=${SEED})\n${lines.join("\n")}`);
		await app?.stack.stop();
	});

	/**
	 * Sends one request and throws, with the request to replay, when the answer breaks the contract;
	 * with `readBack`, an entity a write answered must read back the same (not in concurrent batches,
	 * where another request may change it in between).
	 */
	async function check(req: FuzzRequest, op: Operation, readBack = false): Promise<FuzzResponse | undefined> {
		let problem: string | undefined;
		let detail = "";
		let res: FuzzResponse | undefined;
		try {
			res = await send(app.stack.baseUrl, req, app.accounts, process.env.JWT_SECRET!);
			const byStatus = statuses.get(op.id) ?? new Map<number, number>();
			byStatus.set(res.status, (byStatus.get(res.status) ?? 0) + 1);
			statuses.set(op.id, byStatus);
			problem = problemWith(res) ?? accessProblem(op, req, res) ?? leakProblem(req, res, app.secrets) ?? secretKeyProblem(op, res);
			detail = `${res.status} ${res.text.slice(0, 500)}`;
			const written = readBack && !problem ? writtenEntity(op, res) : undefined;
			const at = written && readUrlOf(op, ops, req, written.id as string);
			if (written && at) {
				const read = await send(
					app.stack.baseUrl,
					{
						...req,
						method: "GET",
						url: at.url,
						body: undefined,
						transport: "json",
						idempotencyKey: undefined,
						headers: undefined
					},
					app.accounts,
					process.env.JWT_SECRET!
				);
				const entity = read.status === 200 ? readEntity(read.text, at.list, written.id as string) : undefined;
				const diff = entity ? differences(written, entity) : [`GET ${at.url} answered ${read.status} without it`];
				if (diff.length) problem = `what the write answered does not read back: ${diff.join("; ")}`;
			}
		} catch (err) {
			problem = `no answer: ${(err as Error).message}`;
		}
		if (problem) throw new Error(`${problem}\n  request: ${describeRequest(req)}\n  response: ${detail}`);
		return res;
	}

	/** The server is still up and serving: its liveness route, the catalogue, and a signed-in read. */
	async function expectHealthy(after: string): Promise<void> {
		const api = app.shop.api;
		const checks = await Promise.all([
			api.get("/api/v1/health/live"),
			api.get("/api/v1/products?pageSize=1"),
			api.get("/api/v1/users/me", { token: mintToken(["admin"], app.accounts.admin.id) })
		]);
		const bad = checks.map(r => r.status).filter(s => s !== 200);
		if (bad.length)
			throw new Error(
				`after ${after} (FUZZ_SEED=${SEED}) the server answers ${checks.map(r => r.status).join(", ")} to health, a product list and /users/me`
			);
	}

	const withPrintedRequest = (arb: fc.Arbitrary<FuzzRequest>) =>
		arb.map(r => Object.assign(r, { [fc.toStringMethod]: () => describeRequest(r) }));

	ROLES.forEach((role, r) => {
		it(`answers every operation as ${role} with a success or a 4xx in the one error body, never a 5xx`, async () => {
			const pool: IdPool = await app.refill();
			const failures: string[] = [];
			for (const [n, op] of ops.entries()) {
				const seed = SEED + 3 * n + r;
				const batch = fc.array(withPrintedRequest(requestArb(op, role, pool)), { minLength: 1, maxLength: 3 });
				try {
					await fc.assert(
						fc.asyncProperty(batch, async reqs => {
							for (const req of reqs) await check(req, op, true);
						}),
						{ seed, numRuns: RUNS, interruptAfterTimeLimit: 30_000, markInterruptAsFailure: false }
					);
				} catch (err) {
					const cause = (err as Error).cause instanceof Error ? `\n${((err as Error).cause as Error).message}` : "";
					failures.push(`${op.method} ${op.path} as ${role} (seed ${seed}): ${(err as Error).message}${cause}`);
				}
				await expectHealthy(`${op.method} ${op.path} as ${role}`);
			}
			expect(failures).toEqual([]);
		});
	});

	it("answers concurrent mixed requests of every role the same way", async () => {
		const pool = await app.refill();
		const byId = new Map(ops.map(op => [op.id, op]));
		const any = fc.oneof(...ops.flatMap(op => ROLES.map(role => withPrintedRequest(requestArb(op, role, pool)))));
		await fc.assert(
			fc.asyncProperty(fc.array(any, { minLength: 4, maxLength: 10 }), async reqs => {
				const results = await Promise.allSettled(reqs.map(req => check(req, byId.get(req.op)!)));
				const failed = results.find((x): x is PromiseRejectedResult => x.status === "rejected");
				if (failed) throw failed.reason;
				await expectHealthy("a concurrent batch");
			}),
			{ seed: SEED, numRuns: RUNS * 5, interruptAfterTimeLimit: 60_000, markInterruptAsFailure: false }
		);
	});

	it("answers concurrent writes to the same orders, payments, shipments, stock and cart the same way", async () => {
		const pool = await app.refill();
		const api = app.shop.api;
		const admin = mintToken(["admin"], app.accounts.admin.id);
		const opOf: Record<RaceKind, string> = {
			place: "orders.create",
			cancel: "orders.cancel",
			adminStatus: "orders.updateStatus",
			refund: "payments.refund",
			ship: "shipping.updateStatus",
			adjustStock: "products.adjustStock",
			setOnHand: "inventory.update",
			cartAdd: "carts.addItem",
			checkout: "carts.checkout"
		};
		const state: RaceState = {
			productIds: pool.byField.productId,
			itemIds: pool.byResource.inventory,
			addressId: pool.byField.addressId[0],
			orders: [{ id: pool.byField.orderId[0], paymentId: pool.byResource.payments[0], shipmentId: pool.byResource.shipments[0] }],
			keys: { k1: randomUUID(), k2: randomUUID() }
		};
		const ordersByKey: Record<string, string> = {};
		await fc.assert(
			fc.asyncProperty(fc.array(raceStep, { minLength: 4, maxLength: 12 }), async steps => {
				const reqs = steps.map(step => ({ step, req: raceRequest(step, state) }));
				const results = await Promise.allSettled(
					reqs.map(({ step, req }) =>
						check(
							req,
							ops.find(o => o.id === opOf[step.kind])!
						)
					)
				);
				const failed = results.find((x): x is PromiseRejectedResult => x.status === "rejected");
				if (failed) throw failed.reason;
				results.forEach((r, i) => {
					const res = (r as PromiseFulfilledResult<FuzzResponse | undefined>).value;
					const placed = res?.status === 201 ? JSON.parse(res.text) : undefined;
					if (!placed?.id || !placed.status) return;
					if (!state.orders.some(o => o.id === placed.id)) state.orders.push({ id: placed.id });
					// A retry with the same Idempotency-Key answers the first order, never a second one.
					const { step, req } = reqs[i];
					if (!step.key || !req.idempotencyKey) return;
					const first = (ordersByKey[`${step.kind} ${step.key}`] ??= placed.id);
					if (first !== placed.id)
						throw new Error(
							`Idempotency-Key ${req.idempotencyKey} placed two orders: ${first} and ${placed.id}\n  request: ${describeRequest(req)}`
						);
				});
				// The payment and shipment of each order placed, once they exist, for the refunds and shipping steps.
				for (const o of state.orders.filter(o => !o.paymentId || !o.shipmentId)) {
					o.paymentId ??= (await api.get(`/api/v1/payments?orderId=${o.id}`, { token: admin })).body?.items?.[0]?.id;
					o.shipmentId ??= (await api.get(`/api/v1/shipments?orderId=${o.id}`, { token: admin })).body?.items?.[0]?.id;
				}
				await expectHealthy("a batch of concurrent writes");
			}),
			{ seed: SEED, numRuns: RUNS * 3, interruptAfterTimeLimit: 60_000, markInterruptAsFailure: false }
		);
	});

	it("leaves no order stuck, the stock numbers adding up, and nothing for the stock audit to repair", async () => {
		const { api } = app.shop;
		const adminToken = mintToken(["admin"], app.accounts.admin.id);
		const moving = await unsettledOrders(api, adminToken, 30_000);
		expect(moving.map(o => `${o.id} ${o.status}`)).toEqual([]);

		const orders = await listAll<OrderView>(api, adminToken, "/api/v1/orders");
		const items = await listAll<StockItem>(api, adminToken, "/api/v1/inventory");
		expect(items.length).toBeGreaterThan(0);
		const problems = stockProblems(items, orders);
		if (problems.length) {
			// The item's last movements and the orders on it say who changed what.
			for (const item of items.filter(i => problems.some(p => p.startsWith(`${i.productId}:`)))) {
				const history = await api.get(`/api/v1/inventory/${(item as StockItem & { id: string }).id}/history?pageSize=10`, {
					token: adminToken
				});
				const held = orders.filter(o => o.items.some(l => l.productId === item.productId)).map(o => `${o.id} ${o.status}`);
				console.log(`fuzz: ${item.productId}: orders ${held.join(", ")}; movements ${JSON.stringify(history.body?.items)}`);
			}
		}
		expect(problems).toEqual([]);

		const audit = await api.post("/api/v1/inventory/audit", undefined, { token: adminToken });
		expect(audit.status).toBe(200);
		expect(audit.body).toMatchObject({ repairedItems: 0, releasedUnits: 0, shortItems: 0 });

		// And a normal order still goes all the way through.
		const [product] = (await app.refill()).byField.productId;
		const order = await app.shop.placed(app.customer, [{ productId: product, quantity: 2 }]);
		await app.shop.reaches(app.customer, order.id, "paid");
	}, 90_000);
});
