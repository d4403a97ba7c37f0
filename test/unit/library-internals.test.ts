/**
 * What the adapters to the libraries' internals assume, each checked directly against the installed
 * library, so that an upgrade that breaks one fails here, naming the adapter file to re-check:
 * lib/broker/moleculer-internals.ts, lib/gateway/moleculer-web-internals.ts and
 * lib/store/sequelize-adapter-internals.ts.
 */
import { readFileSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { INTERNAL_MIDDLEWARES, MetricReporters, MetricTypes, ServiceBroker, type BrokerOptions } from "moleculer";
import ApiGateway from "moleculer-web";
import { Sequelize, type Model, type ModelStatic } from "sequelize";
import {
	PrometheusReporterBase,
	builtinMetricsMiddleware,
	dropMetric,
	hashLabelsOnce,
	internalMiddlewares,
	registeredMetrics,
	withHotReload
} from "../../lib/broker/moleculer-internals";
import { rateLimitOf, routeRateLimits, sendErrorUnlogged, takeOverRequests } from "../../lib/gateway/moleculer-web-internals";
import { connectModel } from "../../lib/store/sequelize-adapter-internals";
import { createTestDatabase, type TestDatabase } from "../helpers/postgres";

const ADAPTERS: Record<string, string> = {
	moleculer: "lib/broker/moleculer-internals.ts",
	"moleculer-web": "lib/gateway/moleculer-web-internals.ts",
	"moleculer-db-adapter-sequelize": "lib/store/sequelize-adapter-internals.ts"
};

const json = (path: string) => JSON.parse(readFileSync(path, "utf8"));

const quietBroker = (options: BrokerOptions = {}) => new ServiceBroker({ logger: false, transporter: null, ...options });

const names = (broker: ServiceBroker) => broker.middlewares.list.map(m => m.name);

describe("pinned library versions", () => {
	const dependencies: Record<string, string> = json("package.json").dependencies;

	it.each(Object.entries(ADAPTERS))("%s is pinned exactly and installed at that version", (library, adapter) => {
		const pinned = dependencies[library];
		const installed: string = json(`node_modules/${library}/package.json`).version;
		if (!/^\d+\.\d+\.\d+$/.test(pinned))
			throw new Error(
				`package.json must pin ${library} to an exact version (it says "${pinned}"): ${adapter} relies on its internals`
			);
		if (installed !== pinned)
			throw new Error(
				`${library} ${installed} is installed, ${pinned} is pinned: re-check ${adapter} against ${installed}, ` +
					"then pin that version in package.json and in this file's checks"
			);
	});
});

describe("moleculer internals (lib/broker/moleculer-internals.ts)", () => {
	it("Middlewares.Metrics is a factory of Moleculer's Metrics middleware, which registers the request and event metrics", () => {
		const broker = quietBroker({ metrics: { enabled: true } });
		const own = builtinMetricsMiddleware(broker);
		expect(own.name).toBe("Metrics");
		expect(typeof own.created).toBe("function");
		for (const hook of ["localAction", "remoteAction", "localEvent"] as const) expect(typeof own[hook]).toBe("function");
		own.created();
		expect(broker.metrics.getMetric("moleculer.request.active")).toBeInstanceOf(MetricTypes.Gauge);
		expect(broker.metrics.getMetric("moleculer.request.levels")).toBeInstanceOf(MetricTypes.Counter);
		expect(broker.metrics.getMetric("moleculer.event.received.active")).toBeInstanceOf(MetricTypes.Gauge);
		expect(broker.metrics.getMetric("moleculer.request.time")).toBeInstanceOf(MetricTypes.Histogram);
		expect(broker.metrics.getMetric("moleculer.event.received.time")).toBeInstanceOf(MetricTypes.Histogram);
	});

	it("a metric keys each value by hashingLabels(labels), which hashLabelsOnce makes compute once per labels object", () => {
		const broker = quietBroker({ metrics: { enabled: true } });
		const counter = broker.metrics.register({ name: "test.hashed.total", type: "counter", labelNames: ["a", "b"] })!;
		const calls: unknown[] = [];
		const own = (counter as unknown as { hashingLabels(labels: unknown): string }).hashingLabels;
		expect(typeof own).toBe("function");
		(counter as unknown as { hashingLabels(labels: unknown): string }).hashingLabels = function (labels) {
			calls.push(labels);
			return own.call(this, labels);
		};
		hashLabelsOnce(counter);
		const labels = { a: "x", b: 1 };
		for (let i = 0; i < 3; i++) counter.increment(labels);
		counter.increment({ a: "x", b: 1 });
		// Once for the kept object, once for the other one: each increment's get and set hashed them only then.
		expect(calls).toEqual([labels, { a: "x", b: 1 }]);
		expect(counter.get(labels)?.value).toBe(4);
	});

	it("the metric registry's store is a Map of every registered metric, and deleting from it unregisters one", () => {
		const broker = quietBroker({ metrics: { enabled: true } });
		const registry = broker.metrics;
		expect(registry.store).toBeInstanceOf(Map);
		registry.register({ name: "test.internals.total", type: "counter" });
		expect([...registeredMetrics(registry)].map(m => m.name)).toContain("test.internals.total");
		dropMetric(registry, "test.internals.total");
		expect(registry.getMetric("test.internals.total")).toBeNull();
		expect([...registeredMetrics(registry)].map(m => m.name)).not.toContain("test.internals.total");
	});

	it("a broker with Moleculer's defaults adds exactly its INTERNAL_MIDDLEWARES export, in that order, after the options' own", () => {
		const broker = quietBroker({
			cacher: "Memory",
			metrics: { enabled: true },
			tracing: { enabled: true, exporter: [] },
			middlewares: [{ name: "Mine" }]
		});
		expect(names(broker)).toEqual(["Mine", ...INTERNAL_MIDDLEWARES]);
		expect(internalMiddlewares({})).toEqual(INTERNAL_MIDDLEWARES);
		expect(INTERNAL_MIDDLEWARES).toEqual(expect.arrayContaining(["Retry", "Metrics"]));
		expect(() => internalMiddlewares({ Gone: [] })).toThrow(/no internal middleware "Gone"/);
	});

	it("with internalMiddlewares off Moleculer adds none, HotReload included, so the options list HotReload themselves", () => {
		const hot = { internalMiddlewares: false, hotReload: true };
		expect(names(quietBroker(hot))).toEqual([]);
		expect(names(quietBroker({ ...hot, middlewares: withHotReload([{ name: "Mine" }]) }))).toEqual(["Mine", "HotReload"]);
		expect(names(quietBroker({ hotReload: true })).slice(-1)).toEqual(["HotReload"]);
	});

	it("the Prometheus reporter has the members its subclass overrides and reads; the base reporter's init only keeps the registry", () => {
		expect(PrometheusReporterBase).toBe(MetricReporters.Prometheus);
		for (const method of [
			"init",
			"stop",
			"handler",
			"matchMetricName",
			"labelsToStr",
			"formatMetricName",
			"generatePrometheusResponse"
		])
			expect(typeof PrometheusReporterBase.prototype[method]).toBe("function");
		const broker = quietBroker({ metrics: { enabled: true } });
		const kept: Record<string, unknown> = {};
		MetricReporters.Base.prototype.init.call(kept, broker.metrics);
		expect(Object.keys(kept)).toEqual(["registry", "broker", "logger"]);
		// Histograms without quantiles have no _sum/_count lines of Moleculer's: the subclass adds them.
		const reporter = new PrometheusReporterBase({ port: 0 });
		reporter.registry = broker.metrics;
		broker.metrics.register({ name: "test.internals.time", type: "histogram", buckets: [1, 10] });
		broker.metrics.observe("test.internals.time", 5);
		const text: string = reporter.generatePrometheusResponse();
		expect(text).toContain("test_internals_time_bucket");
		expect(text).not.toContain("test_internals_time_sum");
	});
});

describe("moleculer-web internals (lib/gateway/moleculer-web-internals.ts)", () => {
	let broker: ServiceBroker;
	let gateway: any;

	beforeAll(async () => {
		broker = quietBroker();
		gateway = broker.createService({
			name: "api",
			mixins: [ApiGateway],
			settings: { port: 0, ip: "127.0.0.1", routes: [{ name: "limited", path: "/limited", rateLimit: { window: 60_000, limit: 7 } }] }
		});
		await broker.start();
	});

	afterAll(() => broker.stop());

	it("its httpHandler hands a request's error to this.errorHandler, which moleculer-web's own version ends with sendError", async () => {
		const errorHandler = jest.spyOn(gateway, "errorHandler");
		const sendError = jest.spyOn(gateway, "sendError");
		const { port } = (gateway.server as Server).address() as AddressInfo;
		const res = await fetch(`http://127.0.0.1:${port}/limited/nowhere.to-be-found`);
		expect(res.status).toBe(404);
		expect(errorHandler).toHaveBeenCalledTimes(1);
		expect(sendError).toHaveBeenCalledWith(expect.anything(), expect.anything(), errorHandler.mock.calls[0][2]);
		const unlogged = { sendError: jest.fn() };
		sendErrorUnlogged.call(unlogged, ...(errorHandler.mock.calls[0] as Parameters<typeof sendErrorUnlogged>));
		expect(unlogged.sendError).toHaveBeenCalledWith(...errorHandler.mock.calls[0]);
		errorHandler.mockRestore();
		sendError.mockRestore();
	});

	it("its HTTP server has exactly one 'request' listener, moleculer-web's httpHandler, which takeOverRequests replaces", () => {
		const server = gateway.server as Server;
		expect(server.listeners("request")).toEqual([gateway.httpHandler]);
		const ours = () => undefined;
		takeOverRequests(server, ours);
		expect(server.listeners("request")).toEqual([ours]);
		server.on("request", () => undefined);
		expect(() => takeOverRequests(server, ours)).toThrow(/2 'request' listeners/);
	});

	it("its documented express() passes each request to its httpHandler", () => {
		const own = gateway.httpHandler;
		gateway.httpHandler = jest.fn();
		try {
			const [req, res] = [{}, {}];
			gateway.express()(req, res);
			expect(gateway.httpHandler).toHaveBeenCalledWith(req, res, undefined);
		} finally {
			gateway.httpHandler = own;
		}
	});

	it("a route it built keeps its rate limit, with the store it made, as route.rateLimit, and its routes in the service's routes", () => {
		const [limit] = routeRateLimits(gateway);
		expect(limit.limit).toBe(7);
		expect(typeof limit.store.inc).toBe("function");
		const route = gateway.addRoute({ name: "other", path: "/other", rateLimit: { window: 60_000, limit: 3 } });
		expect(rateLimitOf(route)?.limit).toBe(3);
		expect(
			routeRateLimits(gateway)
				.map(l => l.limit)
				.sort()
		).toEqual([3, 7]);
		expect(gateway.removeRouteByName("other")).toBe(true);
		expect(routeRateLimits(gateway).map(l => l.limit)).toEqual([7]);
	});
});

describe("moleculer-db-adapter-sequelize internals (lib/store/sequelize-adapter-internals.ts)", () => {
	let db: TestDatabase;
	let sequelize: Sequelize;

	beforeAll(async () => {
		db = await createTestDatabase("library_internals");
		sequelize = new Sequelize(db.uri, { logging: false });
	});

	afterAll(async () => {
		await sequelize.close();
		await db.drop();
	});

	it("connect() defines the model given as the service's schema.model and does not sync it when the instance says noSync", async () => {
		const model: ModelStatic<Model> = await connectModel(sequelize, {
			name: "internals_probe",
			define: { id: { type: "VARCHAR(64)", primaryKey: true } },
			options: { tableName: "internals_probe", timestamps: false }
		});
		expect(model).toBe(sequelize.models.internals_probe);
		expect(await sequelize.getQueryInterface().tableExists("internals_probe")).toBe(false);
	});
});
