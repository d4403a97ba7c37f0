/**
 * The event loop's lateness on a node's /metrics (lib/broker/event-loop-delay.middleware.ts): the
 * gateway in one process; a turn held for 400 ms shows as a check late by more than 250 ms (and
 * less than a second); the checks come every 10 ms while the loop works and every 100 ms while it idles.
 */
import { startStack, type Stack } from "../helpers/stack";
import { sample } from "./support";

const TOKEN = "loop-delay-token";
const METRIC = "shop_eventloop_delay_seconds";

describe("event-loop delay on /metrics", () => {
	let stack: Stack;
	const metrics = async () => {
		const res = await fetch(`${stack.baseUrl}/api/v1/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
		expect(res.status).toBe(200);
		return res.text();
	};
	const lateChecks = (text: string, overSeconds: string) =>
		sample(text, `${METRIC}_count`) - sample(text, `${METRIC}_bucket`, { le: overSeconds });

	beforeAll(async () => {
		stack = await startStack({ services: ["api"], env: { METRICS_TOKEN: TOKEN, LOG_LEVEL: "error" } });
	});
	afterAll(async () => {
		await stack.stop();
	});

	const count = async () => sample(await metrics(), `${METRIC}_count`);
	const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

	it("counts the checks of the timer, by how late each fired", async () => {
		await sleep(200);
		const before = await metrics();
		expect(sample(before, `${METRIC}_count`)).toBeGreaterThan(0);

		// Held from idle, when a check is due within 100 ms: that check comes 300 to 400 ms late.
		const until = performance.now() + 400;
		while (performance.now() < until) {
			// Holds the event loop, as a long synchronous step would.
		}
		await sleep(50);
		const after = await metrics();

		expect(lateChecks(after, "0.25") - lateChecks(before, "0.25")).toBeGreaterThanOrEqual(1);
		expect(lateChecks(after, "1") - lateChecks(before, "1")).toBe(0);
		expect(sample(after, `${METRIC}_count`)).toBeGreaterThan(sample(before, `${METRIC}_count`));
	});

	it("checks every 100 ms while the loop idles and every 10 ms while it works", async () => {
		await sleep(300);
		const idleStart = await count();
		await sleep(1000);
		const idleChecks = (await count()) - idleStart;

		const busyStart = await count();
		// A second of work in steps of 5 ms, the loop turning between them (timers fire there).
		const until = performance.now() + 1000;
		while (performance.now() < until) {
			const step = performance.now() + 5;
			while (performance.now() < step) {
				// work
			}
			await new Promise(r => setImmediate(r));
		}
		const busyChecks = (await count()) - busyStart;

		expect(idleChecks).toBeGreaterThanOrEqual(5);
		expect(idleChecks).toBeLessThanOrEqual(25);
		expect(busyChecks).toBeGreaterThanOrEqual(40);
	});
});
