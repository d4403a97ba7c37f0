/**
 * How late the node's event loop runs, on /metrics: a histogram of how late a timer fired
 * (`shop_eventloop_delay_seconds`), so any window's p99, or how many checks came more than 100 ms
 * late, is one PromQL expression away. A turn that held the loop for a second is one check late by
 * a second. The timer is due every 10 ms while the loop works (about a hundred observations a
 * second) and every 100 ms while it idles: its hundred wake-ups a second kept an idle all-in-one
 * node at 31-38 ms of CPU a second (15-17 without them), and a split topology runs a dozen
 * nodes. A stall of 100 ms or more is seen either way. Nothing where metrics are off.
 */
import { performance, type EventLoopUtilization } from "node:perf_hooks";
import type { ServiceBroker } from "moleculer";

export const EVENT_LOOP_DELAY = "shop.eventloop.delay.seconds";
export const EVENT_LOOP_DELAY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const BUSY_CHECK_MS = 10;
const IDLE_CHECK_MS = 100;
/** Below this share of the last interval spent working (a tenth), the loop counts as idle. */
const IDLE_UTILIZATION = 0.1;

export function EventLoopDelayMiddleware() {
	let timer: NodeJS.Timeout | null = null;
	return {
		name: "EventLoopDelay",
		started(broker: ServiceBroker) {
			if (!broker.isMetricsEnabled()) return;
			const histogram = broker.metrics.register({
				type: "histogram",
				name: EVENT_LOOP_DELAY,
				buckets: EVENT_LOOP_DELAY_BUCKETS,
				unit: "second",
				description: "How late a timer on the event loop fired (due every 10 ms, every 100 ms while idle), in seconds"
			});
			let due = 0;
			let last: EventLoopUtilization = performance.eventLoopUtilization();
			const next = (now: number, ms: number) => {
				due = now + ms;
				timer = setTimeout(check, ms).unref();
			};
			const check = () => {
				const now = performance.now();
				histogram?.observe(Math.max(0, now - due) / 1000);
				const current = performance.eventLoopUtilization();
				const idle = performance.eventLoopUtilization(current, last).utilization < IDLE_UTILIZATION;
				last = current;
				next(now, idle ? IDLE_CHECK_MS : BUSY_CHECK_MS);
			};
			next(performance.now(), BUSY_CHECK_MS);
		},
		stopped() {
			if (timer) clearTimeout(timer);
			timer = null;
		}
	};
}
