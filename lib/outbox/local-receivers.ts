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

/** The handler's promise, or a rejection once `ms` passed (the relay then delivers again, as after a call's timeout). */
export function withinTime<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
	let timer: NodeJS.Timeout | undefined;
	const timeout = new Promise<never>((_, reject) => {
		timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
		timer.unref();
	});
	return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
