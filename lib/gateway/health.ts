/** Liveness, readiness and the cluster view served by the gateway. */
import type { Service, ServiceBroker } from "moleculer";
import { messagingHealth } from "../messaging/registry";

/** The database check mixins/db.mixin.ts gives a service, if it has one. */
function dbHealthOf(svc: Service): (() => Promise<void>) | undefined {
	return "dbHealth" in svc && typeof svc.dbHealth === "function" ? (svc.dbHealth as () => Promise<void>).bind(svc) : undefined;
}

export interface Readiness {
	ready: boolean;
	node: string;
	services: Record<string, "up" | string>;
	/** Each external broker this node's services use (RabbitMQ, Kafka, Redis), when configured. */
	brokers?: Record<string, "up" | string>;
}

/** Ready when the broker has started, every local service's database answers and every configured external broker is connected. */
export async function readiness(broker: ServiceBroker): Promise<Readiness> {
	const services: Record<string, string> = {};
	const started = broker.started;
	await Promise.all(
		broker.services.map(async svc => {
			const dbHealth = dbHealthOf(svc);
			if (!started) services[svc.name] = "starting";
			else if (!dbHealth) services[svc.name] = "up";
			else
				services[svc.name] = await dbHealth().then(
					() => "up",
					(err: Error) => `database unreachable: ${err.message}`
				);
		})
	);
	const brokers = messagingHealth(broker);
	const ready = started && Object.values(services).every(s => s === "up") && Object.values(brokers).every(s => s === "up");
	return { ready, node: broker.nodeID, services, ...(Object.keys(brokers).length ? { brokers } : {}) };
}

/** Nodes and the services each serves, plus which of the expected services have no live node. */
export function clusterHealth(broker: ServiceBroker, expectedServices: string[]) {
	const nodes = broker.registry.getNodeList({ onlyAvailable: false, withServices: true }).map(n => ({
		id: n.id,
		available: n.available,
		services: (n.services ?? []).map(s => String(s.name)).filter(s => !s.startsWith("$"))
	}));
	const live = new Set(nodes.filter(n => n.available).flatMap(n => n.services));
	const missing = expectedServices.filter(s => !live.has(s));
	return { status: missing.length ? "degraded" : "ok", nodes, missingServices: missing, time: new Date().toISOString() };
}
