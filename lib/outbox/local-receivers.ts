/**
 * The flow consumers running on this node, which the relay hands an event to directly instead of
 * calling `<service>.receiveEvent` through the broker: same handler, same inbox, same answer
 * (resolves once the handler is done, rejects with its error), without a context through the whole
 * action middleware chain for every event (about seven per order). A service registers its receiver
 * while it runs (mixins/messaging.mixin.ts); on other nodes, and with tracing on (whose spans follow
 * the call), the relay calls as before.
 */
import type { ServiceBroker } from "moleculer";
import type { DomainEvent } from "../events";

/** Resolves once the service's consumer handled `event` (`first`: the relay's first delivery of it). */
export type LocalReceiver = (event: DomainEvent<unknown>, first: boolean) => Promise<void>;

const byBroker = new WeakMap<ServiceBroker, Map<string, LocalReceiver>>();

/** This node's receivers by service name. */
export function localReceivers(broker: ServiceBroker): Map<string, LocalReceiver> {
	let receivers = byBroker.get(broker);
	if (!receivers) byBroker.set(broker, (receivers = new Map()));
	return receivers;
}

interface Deadline {
	at: number;
	ms: number;
	what: string;
	reject(err: Error): void;
}

/** Deliveries in flight with their deadlines, checked by one timer (not one timer and one race per delivery). */
const deadlines = new Set<Deadline>();
let watchdog: NodeJS.Timeout | null = null;
/** How often the deadlines are checked: a delivery is given up between `ms` and `ms` + this. */
export const DEADLINE_CHECK_MS = 250;

function checkDeadlines(): void {
	const now = performance.now();
	for (const d of deadlines)
		if (d.at <= now) {
			deadlines.delete(d);
			d.reject(new Error(`${d.what} took longer than ${d.ms} ms`));
		}
	if (!deadlines.size && watchdog) {
		clearInterval(watchdog);
		watchdog = null;
	}
}

/** The handler's promise, or a rejection once `ms` passed (the relay then delivers again, as after a call's timeout). */
export function withinTime<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
	return new Promise<T>((resolve, reject) => {
		const deadline: Deadline = { at: performance.now() + ms, ms, what, reject };
		deadlines.add(deadline);
		if (!watchdog) {
			watchdog = setInterval(checkDeadlines, DEADLINE_CHECK_MS);
			watchdog.unref();
		}
		work.then(
			value => {
				deadlines.delete(deadline);
				resolve(value);
			},
			(err: unknown) => {
				deadlines.delete(deadline);
				reject(err as Error);
			}
		);
	});
}
