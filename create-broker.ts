/**
 * Builds a broker with the services this node runs: those named in SERVICES, all when empty.
 * Used by the runner (server.ts) and by tests, so tests start exactly what production starts.
 * Services are loaded from their files so that `--hot` can reload a changed one.
 * The composition root: it sits beside server.ts because lib/ never imports services/ or the
 * broker options (.dependency-cruiser.cjs).
 */
import { ServiceBroker, type BrokerOptions } from "moleculer";
import { brokerOptions } from "./moleculer.config";
import { withHotReload } from "./lib/broker/moleculer-internals";
import { loadConfig } from "./lib/config";
import { domainServices } from "./services/domain-services";

export const SERVICE_NAMES = ["api", ...Object.keys(domainServices)];

export function serviceFiles(names: string[]): string[] {
	return (names.length ? names : SERVICE_NAMES).map(name => {
		if (!SERVICE_NAMES.includes(name)) throw new Error(`Unknown service "${name}" in SERVICES (known: ${SERVICE_NAMES.join(", ")})`);
		return require.resolve(`./services/${name}.service`);
	});
}

export function createBroker(overrides: Partial<BrokerOptions> = {}, services?: string[]): ServiceBroker {
	const files = serviceFiles(services ?? loadConfig().services);
	const options: BrokerOptions = { ...brokerOptions(), ...overrides };
	// The options list Moleculer's internal middlewares themselves (moleculer.config.ts).
	if (options.hotReload) options.middlewares = withHotReload(options.middlewares ?? []);
	const broker = new ServiceBroker(options);
	for (const file of files) broker.loadService(file);
	return broker;
}
