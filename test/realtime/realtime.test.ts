/**
 * Realtime push over WebSocket on the gateway's own server (all-in-one): two customers and an admin
 * connected; each customer gets only the events of their own orders, payments and shipments; the
 * admin gets everyone's, the low-stock alert and products becoming unavailable; unauthenticated,
 * forged, expired and revoked connections are refused; dead sockets are dropped by the heartbeat.
 */
import { randomUUID } from "node:crypto";
import { signAccessToken } from "../../lib/jwt";
import { startStack, type Stack } from "../helpers/stack";
import { E2E_ENV, Shop, type Customer } from "../orders/shop";
import { eventually } from "../orders/support";
import { connect, wsUrl, type TestSocket } from "./ws-client";

jest.setTimeout(60_000);

const forOrder = (orderId: string) => (m: any) => m.type === "event" && m.data?.orderId === orderId;

describe("realtime WebSocket /ws (all-in-one)", () => {
	let stack: Stack;
	let shop: Shop;
	let ann: Customer;
	let bob: Customer;
	let annWs: TestSocket;
	let bobWs: TestSocket;
	let adminWs: TestSocket;
	const sockets: TestSocket[] = [];
	const open = (query = "", opts = {}) => {
		const s = connect(wsUrl(stack.baseUrl, query), opts);
		sockets.push(s);
		return s;
	};

	beforeAll(async () => {
		stack = await startStack({ env: { ...E2E_ENV, REALTIME_AUTH_TIMEOUT_MS: "500", REALTIME_PING_INTERVAL_MS: "250" } });
		shop = new Shop(stack.baseUrl);
		await shop.loginAdmin();
		[ann, bob] = await Promise.all([shop.register("Ann"), shop.register("Bob")]);
		// Ann and the admin authenticate in the query, Bob with his first message.
		annWs = open(`?token=${ann.token}`);
		adminWs = open(`?token=${shop.adminToken}`);
		bobWs = open();
		await bobWs.opened;
		bobWs.send({ type: "auth", token: bob.token });
		for (const s of [annWs, adminWs, bobWs]) await s.next(m => m.type === "ready");
		expect(annWs.messages[0]).toEqual({ type: "ready", user: { id: ann.id, roles: ["customer"] } });
		expect(adminWs.messages[0].user.roles).toContain("admin");
	});
	afterAll(async () => {
		for (const s of sockets) s.close();
		await stack?.stop();
	});

	it("pushes a customer's own order, payment and shipment events to them, and to the admin", async () => {
		const p = await shop.product(20, 10);
		const { id } = await shop.placed(ann, [{ productId: p.id, quantity: 2 }]);
		await shop.reaches(ann, id, "paid");
		const wanted = ["order.created", "order.confirmed", "payment.succeeded", "order.paid", "shipment.created"];
		for (const type of wanted) await annWs.next(m => forOrder(id)(m) && m.event === type);
		const created = annWs.messages.find(m => forOrder(id)(m) && m.event === "order.created");
		expect(created).toMatchObject({ type: "event", subject: id, data: { orderId: id, userId: ann.id, total: 40 } });
		expect(typeof created.id).toBe("string");
		expect(new Date(created.time).toISOString()).toBe(created.time);
		// The payment token that order.confirmed carries for payments never reaches a browser.
		const confirmed = annWs.messages.find(m => forOrder(id)(m) && m.event === "order.confirmed");
		expect(confirmed.data.paymentToken).toBeUndefined();
		expect(annWs.messages.find(m => forOrder(id)(m) && m.event === "payment.succeeded").data).toMatchObject({
			amount: 40,
			last4: "4242"
		});

		for (const type of wanted) await adminWs.next(m => forOrder(id)(m) && m.event === type);
		await new Promise(r => setTimeout(r, 200));
		expect(bobWs.messages.filter(forOrder(id))).toEqual([]);
	});

	it("keeps each customer to their own events", async () => {
		const p = await shop.product(5, 10);
		const { id } = await shop.placed(bob, [{ productId: p.id, quantity: 1 }]);
		await shop.reaches(bob, id, "paid");
		await bobWs.next(m => forOrder(id)(m) && m.event === "order.paid");
		await adminWs.next(m => forOrder(id)(m) && m.event === "order.paid");
		await new Promise(r => setTimeout(r, 200));
		expect(annWs.messages.filter(forOrder(id))).toEqual([]);
		expect(annWs.events().every(m => m.data.userId === undefined || m.data.userId === ann.id)).toBe(true);
		expect(bobWs.events().every(m => m.data.userId === undefined || m.data.userId === bob.id)).toBe(true);
	});

	it("alerts only the admin of low stock, and of a product that can no longer be bought", async () => {
		const p = await shop.product(3, 10);
		const { id } = await shop.placed(bob, [{ productId: p.id, quantity: 6 }]);
		const alert = await adminWs.next(m => m.event === "inventory.low_stock" && m.data.productId === p.id);
		expect(alert.data).toMatchObject({ available: 4, lowStockThreshold: 5 });
		await shop.reaches(bob, id, "paid");

		const last = await shop.placed(ann, [{ productId: p.id, quantity: 4 }]);
		const gone = await adminWs.next(m => m.event === "product.unavailable" && m.data.productId === p.id);
		expect(gone.data).toEqual({ productId: p.id, reason: "out_of_stock", available: 0 });
		await shop.reaches(ann, last.id, "paid");

		const deletable = await shop.product(1, 1);
		expect((await shop.api.del(`/api/v1/products/${deletable.id}`, { token: shop.adminToken })).status).toBe(204);
		await adminWs.next(m => m.event === "product.deleted" && m.subject === deletable.id);
		await adminWs.next(m => m.event === "product.unavailable" && m.data.productId === deletable.id && m.data.reason === "deleted");

		await new Promise(r => setTimeout(r, 200));
		for (const s of [annWs, bobWs]) {
			expect(s.events("inventory.low_stock")).toEqual([]);
			expect(s.events("product.unavailable")).toEqual([]);
			expect(s.events("product.deleted")).toEqual([]);
		}
	});

	it("answers a ping and explains an unknown message", async () => {
		annWs.send({ type: "ping" });
		await annWs.next(m => m.type === "pong");
		annWs.send({ type: "subscribe" });
		await annWs.next(m => m.type === "error");
	});

	it("refuses the upgrade (401) for a forged or expired token in the query", async () => {
		const forged = signAccessToken({ sub: ann.id, roles: ["admin"], jti: randomUUID(), sid: randomUUID() }, 900, "not-the-secret");
		const expired = signAccessToken(
			{ sub: ann.id, roles: ["customer"], jti: randomUUID(), sid: randomUUID() },
			-10,
			process.env.JWT_SECRET!
		);
		for (const token of [forged, expired, "nonsense"]) {
			const s = open(`?token=${encodeURIComponent(token)}`);
			await expect(s.opened).rejects.toMatchObject({ status: 401 });
		}
	});

	it("closes with 4401 a socket that does not authenticate in time, or authenticates badly", async () => {
		const silent = open();
		await silent.opened;
		expect((await silent.closed).code).toBe(4401);

		const expiredToken = signAccessToken(
			{ sub: ann.id, roles: ["customer"], jti: randomUUID(), sid: randomUUID() },
			-10,
			process.env.JWT_SECRET!
		);
		const expired = open();
		await expired.opened;
		expired.send({ type: "auth", token: expiredToken });
		expect((await expired.closed).code).toBe(4401);

		const rude = open();
		await rude.opened;
		rude.send({ type: "ping" });
		expect(await rude.closed).toMatchObject({ code: 4401 });
		// None of them ever received an event.
		for (const s of [silent, expired, rude]) expect(s.events()).toEqual([]);
	});

	it("closes the sockets of a session that logs out", async () => {
		const email = `ws-${randomUUID()}@realtime.test`;
		const reg = await shop.api.post("/api/v1/auth/register", { email, password: "Customer-pass-1", name: "Leaver" });
		const s = open(`?token=${reg.body.accessToken}`);
		await s.next(m => m.type === "ready");
		expect(
			(await shop.api.post("/api/v1/auth/logout", { refreshToken: reg.body.refreshToken }, { token: reg.body.accessToken })).status
		).toBe(204);
		expect((await s.closed).code).toBe(4401);
		// And the ended session's token cannot open a new one.
		await expect(open(`?token=${reg.body.accessToken}`).opened).rejects.toMatchObject({ status: 401 });
	});

	it("drops a socket that stops answering heartbeats, and not the others", async () => {
		const deaf = open(`?token=${bob.token}`, { autoPong: false });
		await deaf.next(m => m.type === "ready");
		const { code } = await deaf.closed;
		expect(code).toBe(1006);
		expect(annWs.ws.readyState).toBe(annWs.ws.OPEN);
	});

	it("leaves other paths alone (no WebSocket there)", async () => {
		const s = connect(`${stack.baseUrl.replace(/^http/, "ws")}/elsewhere?token=${ann.token}`);
		await expect(s.opened).rejects.toBeDefined();
		// The gateway still answers HTTP.
		await eventually("gateway alive", async () => (await shop.api.get("/api/v1/health/live")).status === 200);
	});
});
