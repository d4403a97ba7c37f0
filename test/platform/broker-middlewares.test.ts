/** The middlewares a node runs: Moleculer's own, in its order, with the lean metrics hooks, and hot reload on request. */
import type { ServiceBroker } from "moleculer";
import { createBroker } from "../../create-broker";

const names = (broker: ServiceBroker) =>
	(broker as unknown as { middlewares: { list: Array<{ name?: string }> } }).middlewares.list.map(m => m.name);

// Failover (lib/broker/failover.middleware.ts) sits between Timeout and Retry, so Retry resends what it rejects.
const INTERNAL = [
	"ActionHook",
	"Validator",
	"Bulkhead",
	"Cacher",
	"ContextTracker",
	"CircuitBreaker",
	"Timeout",
	"Failover",
	"Retry",
	"Fallback"
];

describe("broker middlewares", () => {
	it("runs Moleculer's internal middlewares in Moleculer's order, one Metrics among them", () => {
		const broker = createBroker({ nodeID: `mw-${process.pid}`, logger: false }, ["products"]);
		expect(names(broker)).toEqual(["RequestScope", ...INTERNAL, "ErrorHandler", "Tracing", "Metrics", "Debounce", "Throttle"]);
	});

	it("adds hot reload when asked (npm run dev --hot)", () => {
		const broker = createBroker({ nodeID: `mw-hot-${process.pid}`, logger: false, hotReload: true }, ["products"]);
		expect(names(broker).slice(-1)).toEqual(["HotReload"]);
	});
});
