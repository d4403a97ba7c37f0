/**
 * A retention sweep under way when its service stops: it ends after its current step, before the
 * stores close (RetentionMixin listed before DbMixin), so it neither fails nor writes to a closed store.
 */
import { randomUUID } from "node:crypto";
import type { NotificationDoc } from "../../lib/notifications/collections";
import type { Store } from "../../lib/store";
import { startStack } from "../helpers/stack";

jest.setTimeout(30_000);

const old = new Date(Date.now() - 400 * 86_400_000).toISOString();

it("stops a sweep under way between two steps when the service stops, without an error", async () => {
	const stack = await startStack({
		services: ["notifications"],
		env: { RETENTION_SWEEP_MS: "0", RETENTION_BATCH_SIZE: "5", SMTP_URL: undefined, LOG_SHIP_LEVEL: "off" }
	});
	const service = stack.broker.getLocalService("notifications") as unknown as {
		store(n: string): Store<NotificationDoc>;
		logger: { warn(...args: unknown[]): void };
		sweepRetention(): Promise<Record<string, number>>;
	};
	const store = service.store("notifications");
	for (let i = 0; i < 2000; i++) {
		await store.insert({
			recipient: `r${i}@retention.test`,
			channel: "email",
			template: "test",
			subject: `s${i}`,
			body: "b",
			status: "sent",
			attempts: 1,
			eventId: `life:${randomUUID()}`,
			nextAttemptAt: old,
			createdAt: old,
			updatedAt: old,
			sentAt: old,
			bodyKeptSince: old
		});
	}
	const warn = jest.spyOn(service.logger, "warn");
	// As the timer starts it (a call of the action would be a request the broker lets finish first).
	const sweep = service.sweepRetention();
	// Let the sweep take its first step, then stop the service under it.
	await new Promise(resolve => setImmediate(resolve));
	let sweepEnded = false;
	void sweep.then(() => (sweepEnded = true));
	// Whether the sweep had ended when the store began to close (the real disconnect still runs).
	const endedAtDisconnect: boolean[] = [];
	const disconnect = store.disconnect.bind(store);
	jest.spyOn(store, "disconnect").mockImplementation(() => {
		endedAtDisconnect.push(sweepEnded);
		return disconnect();
	});
	await stack.broker.destroyService(service as never);
	expect(endedAtDisconnect).toEqual([true]);
	await stack.stop();
	const counts = await sweep;
	expect(warn.mock.calls.filter(c => String(c[0]).startsWith("Retention"))).toEqual([]);
	// Stopped part of the way: some bodies emptied, not all 2000 (and no record removal started).
	expect(counts["notification bodies"]).toBeGreaterThan(0);
	expect(counts["notification bodies"]).toBeLessThan(2000);
	expect(counts.notifications).toBeUndefined();
});
