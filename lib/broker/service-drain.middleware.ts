/**
 * Before the broker stops any service, every local service with a `drain()` method (the gateway)
 * finishes what it is serving and stops taking more. Moleculer calls the middlewares' `stopping`
 * hooks first and then stops all services at once, so without this a gateway would still accept
 * requests while the services behind it shut down.
 */
import type { Middleware, Service, ServiceBroker } from "moleculer";

interface Drainable {
	drain(): Promise<void>;
}

const drainable = (service: Service): service is Service & Drainable => typeof (service as Partial<Drainable>).drain === "function";

export const ServiceDrainMiddleware: Middleware = {
	name: "ServiceDrain",
	async stopping(broker: ServiceBroker) {
		await Promise.all(broker.services.filter(drainable).map(s => s.drain()));
	}
};
