/**
 * The central logs service: every service's log records reach it over the bus (the shipper beside
 * the Console logger), so one order request's lines are found across services by its X-Request-Id;
 * GET /logs is for admins only, filters by level, service, since, text and request id, newest
 * first; the store is capped in size and age; shipping never feeds on itself.
 */
import { randomUUID } from "node:crypto";
import { startStack, type Stack } from "../helpers/stack";
import { E2E_ENV, Shop, type Customer } from "../orders/shop";
import { ADDRESS, CARDS, eventually } from "../orders/support";

jest.setTimeout(60_000);

describe("logs service (all-in-one)", () => {
	let stack: Stack;
	let shop: Shop;
	let ann: Customer;
	let requestId: string;
	let orderId: string;

	beforeAll(async () => {
		// debug: everything a request logs, the gateway's request lines included.
		stack = await startStack({ env: { ...E2E_ENV, LOG_SHIP_LEVEL: "debug", LOG_SHIP_INTERVAL_MS: "100" } });
		shop = new Shop(stack.baseUrl);
		await shop.loginAdmin();
		ann = await shop.register("Ann");
	});
	afterAll(() => stack?.stop());

	it("finds the log lines of one order request across services by its request id", async () => {
		const p = await shop.product(8, 10);
		requestId = `order-${randomUUID()}`;
		const r = await shop.api.post(
			"/api/v1/orders",
			{ items: [{ productId: p.id, quantity: 1 }], shippingAddress: ADDRESS, payment: CARDS.ok },
			{ token: ann.token, headers: { "X-Request-Id": requestId } }
		);
		expect(r.status).toBe(201);
		expect(r.headers.get("x-request-id")).toBe(requestId);
		orderId = r.body.id;
		await shop.reaches(ann, orderId, "paid");

		const lines = await eventually("the request's lines from the gateway and the notifications service", async () => {
			const res = await shop.api.get(`/api/v1/logs?requestId=${requestId}&pageSize=200`, { token: shop.adminToken });
			const services = new Set(res.body.items.map((l: any) => l.service));
			return services.has("api") && services.has("notifications") ? res.body : null;
		});
		expect(lines.items.every((l: any) => l.requestId === requestId)).toBe(true);
		expect(lines.items.some((l: any) => l.service === "api" && l.message.includes("POST /api/v1/orders"))).toBe(true);
		// The flow after the request (reserve, charge, mails) carries the request's id through the events.
		expect(lines.items.some((l: any) => l.service === "notifications" && l.message.includes(orderId))).toBe(true);
		const line = lines.items[0];
		expect(Object.keys(line).sort()).toEqual(["fields", "id", "level", "message", "node", "requestId", "service", "time"]);
		expect(line.node).toBe(stack.broker.nodeID);
		// Newest first.
		const times = lines.items.map((l: any) => l.time);
		expect([...times].sort().reverse()).toEqual(times);
	});

	it("filters by level (and above), service, text and since; pages", async () => {
		const logger = stack.broker.getLogger("probe", { svc: "probe" });
		const marker = randomUUID();
		logger.info(`probe info ${marker}`);
		logger.warn(`probe warn ${marker}`, { orderId: "o-1" });
		logger.error(`probe error ${marker}`, new Error("disk on fire"));
		// (At debug the gateway's request lines carry the marker too, in the URL: hence service=probe.)
		const all = await eventually("the probe's three lines", async () => {
			const r = await shop.api.get(`/api/v1/logs?service=probe&q=${marker}`, { token: shop.adminToken });
			return r.body.total === 3 ? r.body : null;
		});
		expect(all.items.map((l: any) => l.level)).toEqual(["error", "warn", "info"]);
		expect(all.items[0].fields).toEqual({ error: { name: "Error", message: "disk on fire" } });
		expect(all.items[1].fields).toEqual({ orderId: "o-1" });

		const warnAndUp = await shop.api.get(`/api/v1/logs?service=probe&q=${marker}&level=warn`, { token: shop.adminToken });
		expect(warnAndUp.body.items.map((l: any) => l.level)).toEqual(["error", "warn"]);
		const byService = await shop.api.get(`/api/v1/logs?service=probe&level=error`, { token: shop.adminToken });
		expect(byService.body.items.map((l: any) => l.message)).toContain(`probe error ${marker} Error: disk on fire`);
		expect(byService.body.items.every((l: any) => l.service === "probe" && ["error", "fatal"].includes(l.level))).toBe(true);
		const future = await shop.api.get(`/api/v1/logs?since=${new Date(Date.now() + 60_000).toISOString()}`, { token: shop.adminToken });
		expect(future.body.total).toBe(0);
		const sinceStart = await shop.api.get(`/api/v1/logs?since=${all.items[2].time}&service=probe&q=${marker}`, {
			token: shop.adminToken
		});
		expect(sinceStart.body.total).toBe(3);
		const page = await shop.api.get(`/api/v1/logs?service=probe&q=${marker}&page=2&pageSize=2`, { token: shop.adminToken });
		expect(page.body).toMatchObject({ total: 3, page: 2, pageSize: 2 });
		expect(page.body.items.map((l: any) => l.level)).toEqual(["info"]);
		expect((await shop.api.get("/api/v1/logs?since=yesterday", { token: shop.adminToken })).status).toBe(422);
		expect((await shop.api.get("/api/v1/logs?level=loud", { token: shop.adminToken })).status).toBe(422);
	});

	it("is for admins only: 403 for a customer, 401 without a token", async () => {
		const r = await shop.api.get(`/api/v1/logs?requestId=${requestId}`, { token: ann.token });
		expect(r.status).toBe(403);
		expect(r.body.error.type).toBe("FORBIDDEN");
		expect((await shop.api.get("/api/v1/logs")).status).toBe(401);
	});

	it("does not feed on itself: an idle node ships nothing more, even at debug", async () => {
		// Counted in the store itself: an action call would log (at debug) and be shipped.
		const logs = stack.broker.getLocalService("logs") as any;
		const count = () => logs.logs().count();
		await new Promise(r => setTimeout(r, 500));
		const before = await count();
		await new Promise(r => setTimeout(r, 1500));
		expect(await count()).toBe(before);
		// Neither the logs service's own lines nor lines about shipping are in the store.
		expect(await logs.logs().count({ service: "logs" })).toBe(0);
		expect(await logs.logs().count({ message: { contains: "logs.entries" } })).toBe(0);
	});
});

describe("logs retention", () => {
	let stack: Stack;

	beforeAll(async () => {
		stack = await startStack({
			services: ["logs"],
			env: { LOGS_MAX_ENTRIES: "20", LOGS_MAX_AGE_MS: "3600000", LOGS_PRUNE_INTERVAL_MS: "0", LOG_SHIP_INTERVAL_MS: "50" }
		});
	});
	afterAll(() => stack?.stop());

	it("keeps at most LOGS_MAX_ENTRIES records, the newest, and none older than LOGS_MAX_AGE_MS", async () => {
		const logs = stack.broker.getLocalService("logs") as any;
		const old = new Date(Date.now() - 2 * 3600_000).toISOString();
		await logs.storeBatch([{ time: old, level: "info", node: "n", service: "ancient", message: "too old", seq: 1 }]);
		const logger = stack.broker.getLogger("filler", { svc: "filler" });
		for (let i = 0; i < 40; i++) logger.info(`line ${i}`);
		await eventually("the filler's lines stored", async () => {
			const r = (await stack.broker.call("logs.list", { service: "filler", page: 1, pageSize: 1 })) as { total: number };
			return r.total === 40;
		});
		const result = (await stack.broker.call("logs.prune")) as { removed: number; remaining: number };
		expect(result.remaining).toBeLessThanOrEqual(20);
		expect(result.remaining).toBeGreaterThan(0);
		const left = (await stack.broker.call("logs.list", { page: 1, pageSize: 100 })) as { items: Array<{ message: string }> };
		expect(left.items.map(l => l.message)).not.toContain("too old");
		expect(left.items[0].message).toBe("line 39");
	});
});
