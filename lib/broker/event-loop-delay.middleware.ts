/**
 * How late the node's event loop runs, on /metrics: a histogram of how late a 10 ms timer fired
 * (`shop_eventloop_delay_seconds`), so any window's p99, or how many checks came more than 100 ms
 * late, is one PromQL expression away. A turn that held the loop for a second is one check late by
 * a second. About a hundred observations a second; nothing where metrics are off.
 */
import type { ServiceBroker } from "moleculer";

export const EVENT_LOOP_DELAY = "shop.eventloop.delay.seconds";
export const EVENT_LOOP_DELAY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const CHECK_MS = 10;

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
				description: "How late a 10 ms timer on the event loop fired, in seconds"
			});
			let due = performance.now() + CHECK_MS;
			const check = () => {
				const now = performance.now();
				histogram?.observe(Math.max(0, now - due) / 1000);
				due = now + CHECK_MS;
				timer = setTimeout(check, CHECK_MS).unref();
			};
			timer = setTimeout(check, CHECK_MS).unref();
		},
		stopped() {
			if (timer) clearTimeout(timer);
			timer = null;
		}
	};
}
