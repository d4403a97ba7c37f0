/**
 * The middlewares a node runs: ours first (request scope, drain, the event loop's delay on
 * /metrics), then Moleculer's own in its order, with the lean metrics hooks, and hot reload on request.
 */
import { ServiceBroker } from "moleculer";
import { createBroker } from "../../create-broker";

const names = (broker: ServiceBroker) => broker.middlewares.list.map(m => m.name);

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
		expect(names(broker)).toEqual([
			"RequestScope",
			"ServiceDrain",
			"EventLoopDelay",
			...INTERNAL,
			"ErrorHandler",
			"Tracing",
			"Metrics",
			"Debounce",
			"Throttle"
		]);
	});

	it("runs what a broker with Moleculer's defaults runs, with Metrics the lean hooks and our own added", () => {
		// Moleculer's defaults (internalMiddlewares on), with a cacher, metrics and tracing as ours has them.
		const theirs = names(
			new ServiceBroker({ logger: false, cacher: "Memory", metrics: { enabled: true }, tracing: { enabled: true, exporter: [] } })
		);
		const ours = names(createBroker({ nodeID: `mw-defaults-${process.pid}`, logger: false }, ["products"]));
		const expected = [
			"RequestScope",
			"ServiceDrain",
			"EventLoopDelay",
			...theirs.flatMap(name => (name === "Retry" ? ["Failover", name] : [name]))
		];
		if (JSON.stringify(ours) !== JSON.stringify(expected))
			throw new Error(
				`Moleculer's own middlewares are now [${theirs.join(", ")}]; ours are [${ours.join(", ")}], expected [${expected.join(", ")}]. ` +
					"Update internalMiddlewares() in lib/broker/moleculer-internals.ts, the swap in moleculer.config.ts, " +
					"and this file's INTERNAL list, then re-check test/unit/library-internals.test.ts."
			);
	});

	it("adds hot reload when asked (npm run dev --hot)", () => {
		const broker = createBroker({ nodeID: `mw-hot-${process.pid}`, logger: false, hotReload: true }, ["products"]);
		expect(names(broker).slice(-1)).toEqual(["HotReload"]);
	});
});
