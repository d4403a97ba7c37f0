/** The inbox forgets the ids of events handled longer ago than RETENTION_HANDLED_EVENTS_DAYS, and only those (embedded store). */
import { createStores, type Store } from "../../lib/store";
import { handledEventsCollection, type HandledRecord } from "../../lib/outbox/collections";
import { Inbox } from "../../lib/outbox/inbox";
import { DAY_MS } from "../../lib/retention/rule";

describe("inbox retention (embedded store)", () => {
	let records: Store<HandledRecord>;

	beforeEach(async () => {
		records = createStores([handledEventsCollection("svc")], { uri: null, dataDir: null, connectTimeoutMs: 1000 })
			.svc_handled_events as unknown as Store<HandledRecord>;
		await records.connect();
	});
	afterEach(() => records.disconnect());

	it("removes the marks older than the retention, keeps the recent ones, and a kept id still counts as handled", async () => {
		const inbox = new Inbox("svc", records);
		await inbox.markHandled("recent");
		const old = new Date(Date.now() - 8 * DAY_MS).toISOString();
		await records.insert({ id: "svc:old", consumer: "svc", eventId: "old", handledAt: old });
		const rule = inbox.retentionRule(7);
		expect(await rule.apply(new Date(Date.now() - rule.maxAgeMs), { batchSize: 10 })).toBe(1);
		expect(await inbox.handled("old")).toBe(false);
		expect(await inbox.handled("recent")).toBe(true);
		// Marking twice (two deliveries racing) keeps one mark.
		await inbox.markHandled("recent");
		expect(await records.count()).toBe(1);
	});

	it("keeps every mark with 0 days", () => {
		expect(new Inbox("svc", records).retentionRule(0).maxAgeMs).toBe(0);
	});
});
