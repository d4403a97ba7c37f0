/**
 * Retention of the notifications service on a real broker with the real gateway, on the embedded
 * store and on PostgreSQL (a fresh database, dropped afterwards; skipped on a laptop without the
 * server, a failure under CI=true): bodies of sent mail emptied, old finished records removed, pending ones spared, old mbox
 * day files deleted, and 0 keeping for ever. Each sweep is triggered through notifications.sweepRetention
 * (the timer is off here: RETENTION_SWEEP_MS=0).
 */
import fs from "node:fs";
import path from "node:path";
import { randomUUID } from "node:crypto";
import type { NotificationDoc } from "../../lib/notifications/collections";
import type { Store } from "../../lib/store";
import { client, type Client } from "../helpers/http";
import { createTestDatabase, PG_HOST, PG_PORT } from "../helpers/postgres";
import { describeWithServer } from "../helpers/servers";
import { startStack, type Stack } from "../helpers/stack";
import { admin, eventually } from "../orders/support";

jest.setTimeout(30_000);

const DAY = 86_400_000;
const daysAgo = (days: number) => new Date(Date.now() - days * DAY).toISOString();

interface Target {
	env: Record<string, string>;
	cleanup(): Promise<void>;
}

function retentionSuite(open: () => Promise<Target>) {
	let target: Target;
	let stack: Stack;
	let api: Client;
	let store: Store<NotificationDoc>;
	const boss = admin();
	const sweep = () => stack.broker.call("notifications.sweepRetention") as Promise<Record<string, number>>;

	beforeAll(async () => {
		target = await open();
		stack = await startStack({
			services: ["api", "notifications"],
			env: {
				...target.env,
				SMTP_URL: undefined,
				RETENTION_SWEEP_MS: "0",
				// Small batches, so a sweep takes several steps.
				RETENTION_BATCH_SIZE: "2",
				// The inbox's rule (handled event ids) is not what this suite is about.
				RETENTION_HANDLED_EVENTS_DAYS: "0",
				RETENTION_NOTIFICATION_BODY_DAYS: "30",
				RETENTION_NOTIFICATION_DAYS: "180",
				RETENTION_MAIL_DAYS: "14",
				LOG_SHIP_LEVEL: "off"
			}
		});
		api = client(stack.baseUrl);
		store = (stack.broker.getLocalService("notifications") as unknown as { store(n: string): Store<NotificationDoc> }).store(
			"notifications"
		);
	});
	afterAll(async () => {
		await stack?.stop();
		await target?.cleanup();
	});
	beforeEach(async () => {
		await store.removeMany({});
	});

	/** A stored notification as the service writes it, with the given status and dates. */
	function seed(tag: string, status: NotificationDoc["status"], createdDaysAgo: number, bodyDaysAgo: number | null) {
		const created = daysAgo(createdDaysAgo);
		return store.insert({
			recipient: `${tag}@retention.test`,
			userId: null,
			channel: "email",
			template: "test",
			subject: tag,
			body: `body of ${tag}`,
			html: `<p>${tag}</p>`,
			status,
			attempts: 1,
			lastError: status === "failed" ? "550 no such user" : null,
			relatedId: null,
			eventId: `${tag}:${randomUUID()}`,
			nextAttemptAt: created,
			messageId: null,
			createdAt: created,
			updatedAt: created,
			sentAt: status === "sent" ? daysAgo(bodyDaysAgo ?? createdDaysAgo) : null,
			bodyKeptSince: bodyDaysAgo === null ? null : daysAgo(bodyDaysAgo)
		});
	}

	async function byTag(): Promise<Record<string, { body: string; html: string | null; status: string }>> {
		const docs = await store.find();
		return Object.fromEntries(docs.map(d => [d.subject, { body: d.body, html: d.html ?? null, status: d.status }]));
	}

	it("empties the body of a mail sent through the service once it is older than the body retention", async () => {
		const r = await api.post("/api/v1/notifications/test", { to: "kept@retention.test" }, { token: boss.token });
		expect(r.status).toBe(201);
		const sent = await eventually("sent", async () => {
			const doc = await store.findById(r.body.id);
			return doc?.status === "sent" ? doc : null;
		});
		expect(sent.bodyKeptSince).toBe(sent.sentAt);

		// Sent just now: kept.
		expect(await sweep()).toMatchObject({ "notification bodies": 0, notifications: 0 });
		expect((await store.findById(sent.id))!.body).toBe(sent.body);

		await store.updateById(sent.id, { set: { bodyKeptSince: daysAgo(31), sentAt: daysAgo(31), createdAt: daysAgo(31) } });
		expect(await sweep()).toMatchObject({ "notification bodies": 1, notifications: 0 });
		const shown = await api.get(`/api/v1/notifications/${sent.id}`, { token: boss.token });
		expect(shown.body).toMatchObject({ id: sent.id, status: "sent", subject: sent.subject, body: "", html: null });
		expect((await store.findById(sent.id))!.bodyKeptSince ?? null).toBeNull();
		// Emptied once: the next sweep finds nothing more to do.
		expect(await sweep()).toMatchObject({ "notification bodies": 0 });
	});

	it("empties only old sent bodies and removes only old finished records, sparing pending ones", async () => {
		await seed("sent-young", "sent", 10, 10);
		await seed("sent-31", "sent", 31, 31);
		await seed("sent-40", "sent", 40, 40);
		await seed("sent-90", "sent", 90, 90);
		await seed("failed-40", "failed", 40, null);
		await seed("pending-40", "pending", 40, null);
		await seed("sent-200", "sent", 200, 200);
		await seed("failed-200", "failed", 200, null);
		await seed("pending-200", "pending", 200, null);
		await seed("failed-179", "failed", 179, null);

		const info = jest.spyOn(stack.broker.getLocalService("notifications")!.logger, "info");
		const counts = await sweep();
		expect(counts).toEqual({ "notification bodies": 4, notifications: 2, "mail files": 0 });
		expect(info).toHaveBeenCalledWith("Retention sweep removed 4 notification bodies, 2 notifications");
		info.mockRestore();

		const emptied = { body: "", html: null };
		const kept = (tag: string) => ({ body: `body of ${tag}`, html: `<p>${tag}</p>` });
		expect(await byTag()).toEqual({
			"sent-young": { ...kept("sent-young"), status: "sent" },
			"sent-31": { ...emptied, status: "sent" },
			"sent-40": { ...emptied, status: "sent" },
			"sent-90": { ...emptied, status: "sent" },
			// A failed message keeps its body (nothing was sent) until the record goes.
			"failed-40": { ...kept("failed-40"), status: "failed" },
			"failed-179": { ...kept("failed-179"), status: "failed" },
			"pending-40": { ...kept("pending-40"), status: "pending" },
			"pending-200": { ...kept("pending-200"), status: "pending" }
		});
	});

	it("keeps everything for ever with 0 days", async () => {
		await seed("sent-400", "sent", 400, 400);
		await seed("failed-400", "failed", 400, null);
		const saved = { ...process.env };
		process.env.RETENTION_NOTIFICATION_BODY_DAYS = "0";
		process.env.RETENTION_NOTIFICATION_DAYS = "0";
		process.env.RETENTION_MAIL_DAYS = "0";
		try {
			expect(await sweep()).toEqual({});
		} finally {
			Object.assign(process.env, saved);
		}
		expect(Object.keys(await byTag()).sort()).toEqual(["failed-400", "sent-400"]);
	});

	it("deletes the mbox day files whose whole day is older than the mail retention, and nothing else", async () => {
		const dir = path.join(stack.dataDir, "mail");
		fs.mkdirSync(dir, { recursive: true });
		const day = (days: number) => `${daysAgo(days).slice(0, 10)}.mbox`;
		// The day 14 days back is partly younger than the cutoff (now - 14 days): kept.
		const files = [day(0), day(1), day(13), day(14), day(15), day(16), day(45), "notes.txt", "archive.mbox", "2026-01-01.mbox.bak"];
		for (const f of files) fs.writeFileSync(path.join(dir, f), "From x Thu Jan  1 00:00:00 2026\nSubject: x\n\nx\n\n");

		expect(await sweep()).toMatchObject({ "mail files": 3 });
		const left = fs.readdirSync(dir).sort();
		expect(left).toEqual(files.filter(f => ![day(15), day(16), day(45)].includes(f)).sort());
		expect(await sweep()).toMatchObject({ "mail files": 0 });
	});
}

describe("notifications retention on the embedded store", () => {
	retentionSuite(async () => ({ env: {}, cleanup: async () => undefined }));
});

describeWithServer(
	"PostgreSQL",
	PG_HOST,
	PG_PORT
)("notifications retention on PostgreSQL", () => {
	retentionSuite(async () => {
		const db = await createTestDatabase("retention_notify");
		return { env: { NOTIFICATIONS_DB_URI: db.uri }, cleanup: () => db.drop() };
	});
});
