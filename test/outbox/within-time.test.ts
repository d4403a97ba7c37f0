/** The relay's deadline for a consumer on its own node (lib/outbox/local-receivers.ts): one watchdog for all deliveries. */
import { DEADLINE_CHECK_MS, withinTime } from "../../lib/outbox/local-receivers";

describe("withinTime", () => {
	it("answers what the handler answers, value or error", async () => {
		await expect(withinTime(Promise.resolve(42), 1000, "x")).resolves.toBe(42);
		await expect(withinTime(Promise.reject(new Error("refused")), 1000, "x")).rejects.toThrow("refused");
	});

	it("gives up on a handler that never answers once its time passed, and only on that one", async () => {
		const started = performance.now();
		const hung = withinTime(new Promise<never>(() => undefined), 100, "inventory handling order.created");
		const slow = withinTime(new Promise(r => setTimeout(() => r("late but in time"), 150)), 5000, "payments handling order.confirmed");
		await expect(hung).rejects.toThrow("inventory handling order.created took longer than 100 ms");
		const waited = performance.now() - started;
		expect(waited).toBeGreaterThanOrEqual(100);
		expect(waited).toBeLessThan(100 + DEADLINE_CHECK_MS + 200);
		await expect(slow).resolves.toBe("late but in time");
	});
});
