/** The backoffice's client logic that has rules of its own: its URLs and filters, the live feed, the dashboard's sums. */
import { dayEnd, dayStart, startOfToday } from "../../web/admin/src/format";
import { FEED_SIZE, addToFeed, describeEvent, type FeedItem } from "../../web/admin/src/live-feed";
import { href, matchRoute, readFilters, readPage, safeNext } from "../../web/admin/src/routes";
import { parseBrokerBacklog, revenueByCurrency } from "../../web/admin/src/stats";

const event = (name: string, data: Record<string, unknown>, id = `e-${Math.random()}`) => ({
	event: name,
	id,
	time: "2026-12-06T10:00:00.000Z",
	data
});

describe("backoffice routes", () => {
	it("matches every page under /admin, with its id, and anything else as not found", () => {
		expect(matchRoute("/admin").name).toBe("dashboard");
		expect(matchRoute("/admin/").name).toBe("dashboard");
		expect(matchRoute("/admin/products/new").name).toBe("productNew");
		expect(matchRoute("/admin/products/p%2F1")).toMatchObject({ name: "product", params: { id: "p/1" } });
		expect(matchRoute("/admin/orders/abc/")).toMatchObject({ name: "order", params: { id: "abc" } });
		expect(matchRoute("/admin/logs", "?requestId=r1").query.get("requestId")).toBe("r1");
		expect(matchRoute("/admin/orders/a/b").name).toBe("notFound");
		expect(matchRoute("/administrator").name).toBe("notFound");
	});

	it("writes filters into the URL without empty ones or page 1, and reads them back", () => {
		expect(href("/orders", { status: "paid", from: "", userId: undefined, page: 1 })).toBe("/admin/orders?status=paid");
		expect(href("orders", { page: 3, lowStock: false })).toBe("/admin/orders?page=3");
		expect(href("/logs", { requestId: "a b&c" })).toBe("/admin/logs?requestId=a+b%26c");
		const q = new URLSearchParams(href("/logs", { requestId: "a b&c", q: " x " }).split("?")[1]);
		expect(readFilters(q, ["requestId", "q", "level"] as const)).toEqual({ requestId: "a b&c", q: "x", level: "" });
	});

	it("reads the page as a positive integer, else 1", () => {
		for (const [raw, page] of [
			["3", 3],
			["0", 1],
			["-2", 1],
			["2.5", 1],
			["x", 1],
			[null, 1]
		] as const)
			expect(readPage(new URLSearchParams(raw === null ? "" : `page=${raw}`))).toBe(page);
	});

	it("goes back after signing in only to a page of the backoffice", () => {
		expect(safeNext("/admin/orders?status=paid")).toBe("/admin/orders?status=paid");
		for (const bad of [
			null,
			"",
			"https://evil.example/admin",
			"//evil.example/admin",
			"/api/v1/orders",
			"/admin/login?next=x",
			"/admin/nowhere"
		])
			expect(safeNext(bad)).toBe("/admin/");
	});
});

describe("backoffice live feed", () => {
	it("says what happened and where to look", () => {
		const orderId = "01a24b8b-0000-7000-8000-000000000001";
		expect(describeEvent(event("order.created", { orderId, total: 199.6, currency: "EUR" }))).toMatchObject({
			text: "New order 01A24B8B (€199.60)",
			path: `/orders/${orderId}`,
			alert: false
		});
		expect(describeEvent(event("order.cancelled", { orderId, reason: "payment_failed" }))!.text).toBe(
			"Order 01A24B8B cancelled (payment failed)"
		);
		expect(describeEvent(event("payment.failed", { orderId, reason: "insufficient_funds" }))!.text).toBe(
			"Payment failed for order 01A24B8B: insufficient funds"
		);
		const names = (id: string) => (id === "p1" ? "Lamp" : undefined);
		expect(describeEvent(event("inventory.low_stock", { productId: "p1", available: 2 }), names)).toMatchObject({
			text: "Low stock: Lamp, 2 left",
			path: "/inventory?lowStock=1",
			alert: true
		});
		expect(describeEvent(event("product.unavailable", { productId: "abcd-ef", reason: "deleted" }), names)!.text).toBe(
			"product ABCD can no longer be bought (deleted)"
		);
		expect(describeEvent(event("shipment.created", { orderId }))).toBeNull();
	});

	it("keeps each event once, newest first, at most FEED_SIZE", () => {
		let feed: readonly FeedItem[] = [];
		const first = describeEvent(event("order.paid", { orderId: "o-1" }, "same"));
		feed = addToFeed(feed, first);
		feed = addToFeed(feed, describeEvent(event("order.paid", { orderId: "o-1" }, "same")));
		expect(feed).toHaveLength(1);
		feed = addToFeed(feed, null);
		expect(feed).toHaveLength(1);
		for (let i = 0; i < FEED_SIZE + 5; i++)
			feed = addToFeed(feed, describeEvent(event("order.created", { orderId: `o-${i}` }, `id-${i}`)));
		expect(feed).toHaveLength(FEED_SIZE);
		expect(feed[0].id).toBe(`id-${FEED_SIZE + 4}`);
		expect(feed.some(f => f.id === "same")).toBe(false);
	});
});

describe("backoffice dashboard sums", () => {
	it("sums today's revenue per currency in cents, without cancelled orders", () => {
		const orders = [
			{ status: "paid", total: 0.1, currency: "EUR" },
			{ status: "delivered", total: 0.2, currency: "EUR" },
			{ status: "cancelled", total: 100, currency: "EUR" },
			{ status: "pending", total: 5, currency: "USD" }
		];
		expect(revenueByCurrency(orders)).toEqual([
			{ currency: "EUR", amount: 0.3 },
			{ currency: "USD", amount: 5 }
		]);
		expect(revenueByCurrency([])).toEqual([]);
	});

	it("reads RabbitMQ queue depths and Kafka lag from Prometheus text, and nothing where no broker reports", () => {
		const text = [
			"# HELP shop_rabbitmq_queue_messages Messages in a RabbitMQ queue",
			"# TYPE shop_rabbitmq_queue_messages gauge",
			'shop_rabbitmq_queue_messages{namespace="",nodeID="n1",queue="shop.orders.paid",kind="work"} 3',
			'shop_rabbitmq_queue_messages{namespace="",nodeID="n1",queue="shop.orders.paid",kind="dead_letter"} 1 1733480000000',
			'shop_rabbitmq_queue_consumers{namespace="",nodeID="n1",queue="shop.orders.paid"} 2',
			'shop_kafka_consumer_lag{namespace="",nodeID="n1",topic="orders",group="shipping"} 7',
			'shop_outbox_pending{namespace="",nodeID="n1",service="orders"} 0',
			'shop_rabbitmq_queue_messages{queue="broken"} NaN'
		].join("\n");
		expect(parseBrokerBacklog(text)).toEqual({
			queues: [
				{ queue: "shop.orders.paid", kind: "work", messages: 3 },
				{ queue: "shop.orders.paid", kind: "dead_letter", messages: 1 }
			],
			kafka: [{ topic: "orders", group: "shipping", lag: 7 }]
		});
		expect(parseBrokerBacklog('moleculer_x{a="b"} 1\n')).toEqual({ queues: [], kafka: [] });
	});
});

describe("backoffice date filters", () => {
	it("turns a day into its first and last instant in local time, and refuses anything else", () => {
		const start = new Date(dayStart("2026-03-29")!);
		expect([start.getFullYear(), start.getMonth(), start.getDate(), start.getHours(), start.getMinutes()]).toEqual([2026, 2, 29, 0, 0]);
		const end = new Date(dayEnd("2026-03-29")!);
		expect([end.getDate(), end.getHours(), end.getMinutes(), end.getSeconds(), end.getMilliseconds()]).toEqual([29, 23, 59, 59, 999]);
		expect(dayStart("2026-3-29")).toBeUndefined();
		expect(dayEnd("")).toBeUndefined();
		expect(startOfToday(new Date(2026, 11, 6, 15, 30))).toBe(new Date(2026, 11, 6).toISOString());
	});
});
