/**
 * The event loop's lateness on a node's /metrics (lib/broker/event-loop-delay.middleware.ts): the
 * gateway in one process; a turn held for 300 ms shows as a check late by more than 250 ms (and
 * less than a second).
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

	it("counts the checks of a 10 ms timer, by how late each fired", async () => {
		await new Promise(r => setTimeout(r, 200));
		const before = await metrics();
		expect(sample(before, `${METRIC}_count`)).toBeGreaterThan(5);

		const until = performance.now() + 300;
		while (performance.now() < until) {
			// Holds the event loop, as a long synchronous step would.
		}
		await new Promise(r => setTimeout(r, 50));
		const after = await metrics();

		expect(lateChecks(after, "0.25") - lateChecks(before, "0.25")).toBeGreaterThanOrEqual(1);
		expect(lateChecks(after, "1") - lateChecks(before, "1")).toBe(0);
		expect(sample(after, `${METRIC}_count`)).toBeGreaterThan(sample(before, `${METRIC}_count`));
	});
});
