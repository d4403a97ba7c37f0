/**
 * The notifications and logs collections on the production databases of the compose files
 * (notifications on PostgreSQL, logs on MongoDB), and each on the other: the conditional claim of a
 * send attempt, the unique event key, the list filters and the pruning by id.
 */
import { startMongoServer } from "../helpers/mongo-server";
import { createTestDatabase } from "../helpers/postgres";
import { describeWithServer } from "../helpers/servers";
import { client, type Client } from "../helpers/http";
import { startStack, type Stack } from "../helpers/stack";
import { admin, customer, eventually } from "../orders/support";
import { startSmtp, type TestSmtp } from "./smtp";

jest.setTimeout(60_000);

function suite(prepare: () => Promise<{ uri: string; cleanup(): Promise<void> }>) {
	let smtp: TestSmtp;
	let stack: Stack;
	let api: Client;
	let cleanup: () => Promise<void>;
	const boss = admin();

	beforeAll(async () => {
		const db = await prepare();
		cleanup = db.cleanup;
		smtp = await startSmtp();
		stack = await startStack({
			services: ["api", "notifications", "logs"],
			env: {
				NOTIFICATIONS_DB_URI: db.uri,
				LOGS_DB_URI: db.uri,
				SMTP_URL: smtp.url,
				NOTIFY_MAX_ATTEMPTS: "3",
				NOTIFY_RETRY_DELAY_MS: "50",
				LOGS_MAX_ENTRIES: "10",
				LOGS_PRUNE_INTERVAL_MS: "0",
				// Only the records this suite stores, so the counts are exact.
				LOG_SHIP_LEVEL: "off",
				ADMIN_EMAIL: "boss@storage.test"
			}
		});
		api = client(stack.baseUrl);
	});
	afterAll(async () => {
		await stack?.stop();
		await smtp?.stop();
		await cleanup?.();
	});

	it("claims, retries and completes a send", async () => {
		smtp.refusing = true;
		const r = await api.post("/api/v1/notifications/test", { to: "db@storage.test" }, { token: boss.token });
		expect(r.status).toBe(201);
		expect(r.body).toMatchObject({ status: "pending", attempts: 1 });
		smtp.refusing = false;
		await eventually(
			"sent",
			async () => (await api.get(`/api/v1/notifications/${r.body.id}`, { token: boss.token })).body.status === "sent"
		);
		const list = await api.get("/api/v1/notifications?template=test&status=sent", { token: boss.token });
		expect(list.body.items.map((n: any) => n.id)).toEqual([r.body.id]);
		expect((await api.get("/api/v1/notifications", { token: customer().token })).body.total).toBe(0);
	});

	it("records one alert per event and recipient, however often the event comes", async () => {
		const notifications = stack.broker.getLocalService("notifications") as any;
		const event = { id: "low-1", type: "inventory.low_stock", data: { productId: "p-1", available: 2, lowStockThreshold: 5 } };
		// users and products are not running here: the configured admin is alerted, with the product id.
		await Promise.all([notifications.handleLowStock(event), notifications.handleLowStock(event)]);
		await notifications.handleLowStock(event);
		const alerts = await eventually("alert sent", async () => {
			const r = await api.get("/api/v1/notifications?template=low_stock", { token: boss.token });
			return r.body.items.length && r.body.items.every((n: any) => n.status === "sent") ? r.body : null;
		});
		expect(alerts.total).toBe(1);
		expect(alerts.items[0]).toMatchObject({ recipient: "boss@storage.test", relatedId: "p-1", subject: "Low stock: p-1 (2 left)" });
	});

	it("stores, filters and prunes log records", async () => {
		const logs = stack.broker.getLocalService("logs") as any;
		const start = Date.now() + 60_000;
		const records = Array.from({ length: 15 }, (_, i) => ({
			time: new Date(start + i * 1000).toISOString(),
			level: i % 3 === 0 ? "error" : "info",
			node: "n1",
			service: "probe-db",
			message: `record ${i}${i === 7 ? " needle" : ""}`,
			requestId: i === 5 ? "req-5" : undefined,
			fields: i === 3 ? { orderId: "o-3" } : undefined,
			seq: i
		}));
		await logs.storeBatch(records);
		const q = (query: Record<string, string>): Promise<any> =>
			stack.broker.call("logs.list", { service: "probe-db", page: 1, pageSize: 50, ...query });
		expect((await q({})).total).toBe(15);
		expect((await q({ level: "error" })).items.map((l: any) => l.message)).toEqual([
			"record 12",
			"record 9",
			"record 6",
			"record 3",
			"record 0"
		]);
		expect((await q({ q: "NEEDLE" })).items.map((l: any) => l.message)).toEqual(["record 7 needle"]);
		expect((await q({ requestId: "req-5" })).items.map((l: any) => l.message)).toEqual(["record 5"]);
		expect((await q({ level: "error", since: records[8].time })).items.map((l: any) => l.message)).toEqual(["record 12", "record 9"]);
		expect((await q({ q: "record 3" })).items[0].fields).toEqual({ orderId: "o-3" });
		const result = (await stack.broker.call("logs.prune")) as { remaining: number };
		expect(result.remaining).toBe(10);
		const left = await q({});
		expect(left.items[0].message).toBe("record 14");
		expect(left.items.map((l: any) => l.message)).not.toContain("record 0");
	});
}

describeWithServer(
	"PostgreSQL",
	"127.0.0.1",
	5432
)("notifications and logs on PostgreSQL", () => {
	suite(async () => {
		const db = await createTestDatabase("notify");
		return { uri: db.uri, cleanup: () => db.drop() };
	});
});

describe("notifications and logs on the MongoDB wire protocol (CongoDB)", () => {
	suite(async () => {
		const server = await startMongoServer();
		return { uri: server.uri, cleanup: () => server.stop() };
	});
});
