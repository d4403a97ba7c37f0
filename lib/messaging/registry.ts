/**
 * The messaging hub of each Moleculer broker (node), if its services use one. Kept apart from the
 * hub itself so that lib/events.ts and the gateway's health check can ask without loading
 * anything: a node without broker URLs has no hub, and then nothing here costs more than a lookup.
 */
import type { DomainEvent } from "../events";

export interface ExternalMessaging {
	/** Publishes to the brokers the event is routed to; null when it goes to none (nothing to wait for). */
	publish(event: DomainEvent<unknown>): Promise<void> | null;
	/** Each configured broker: "up", or what is wrong. */
	health(): Record<string, string>;
}

const hubs = new WeakMap<object, ExternalMessaging>();

export function messagingOf(broker: object): ExternalMessaging | undefined {
	return hubs.get(broker);
}

export function setMessaging(broker: object, hub: ExternalMessaging | null): void {
	if (hub) hubs.set(broker, hub);
	else hubs.delete(broker);
}

/** The state of each broker this node's services use ({} without any). */
export function messagingHealth(broker: object): Record<string, string> {
	return hubs.get(broker)?.health() ?? {};
}
