/**
 * moleculer 0.15 ignores DISCOVER requests that reach a node in the half second while it is still
 * connecting, and its heartbeats carry no INFO sequence, so a node started beside others can miss
 * their services until the next heartbeat (calls to them fail with "not registered" meanwhile).
 * Once this node has started, it asks every node for its INFO again and announces its own.
 */
import type { ServiceBroker } from "moleculer";

export async function rediscoverOnStart(broker: ServiceBroker): Promise<void> {
	if (!broker.transit) return;
	const { discoverer } = broker.registry;
	await Promise.all([discoverer.discoverAllNodes(), discoverer.sendLocalNodeInfo()]);
}
