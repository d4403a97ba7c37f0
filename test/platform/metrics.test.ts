/**
 * The request and event metrics that /metrics exposes, as recorded by the lean metrics hooks
 * (lib/broker/lean-metrics.middleware.ts) on a broker built from the project's own options.
 */
import { Errors, ServiceBroker, type Context } from "moleculer";
import { brokerOptions } from "../../moleculer.config";
import { prometheusText } from "../../lib/broker/gateway-prometheus-reporter";

/** The sample lines of one metric whose labels include all of `labels`. */
function samples(text: string, metric: string, labels: Record<string, string>): string[] {
	return text
		.split("\n")
		.filter(l => l.startsWith(`${metric}{`) || l.startsWith(`${metric} `))
		.filter(l => Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)));
}

const valueOf = (line: string | undefined) => Number(line?.split(" ").pop());

describe("request and event metrics", () => {
	let broker: ServiceBroker;
	let happened = 0;

	beforeAll(async () => {
		broker = new ServiceBroker({ ...brokerOptions({}), nodeID: `metrics-${process.pid}`, logger: false });
		broker.createService({
			name: "probe",
			actions: {
				ok: { handler: () => "fine" },
				fail: {
					handler: () => {
						throw new Errors.MoleculerClientError("No such thing", 404, "NOT_FOUND");
					}
				}
			},
			events: {
				"probe.happened": {
					handler: () => {
						happened++;
					}
				}
			}
		});
		broker.createService({
			name: "caller",
			actions: {
				run: {
					async handler(ctx: Context) {
						await ctx.call("probe.ok");
						await ctx.call("probe.ok");
						await ctx.call("probe.fail").catch(() => undefined);
						await ctx.emit("probe.happened", {});
					}
				}
			}
		});
		await broker.start();
		await broker.call("caller.run");
		while (happened < 1) await new Promise(r => setTimeout(r, 5));
	});

	afterAll(() => broker.stop());

	it("counts calls and their errors per action and caller, with their time as a bucketed histogram", () => {
		const text = prometheusText(broker)!;
		const ok = { action: "probe.ok", caller: "caller", type: "local" };
		expect(valueOf(samples(text, "moleculer_request_total", ok)[0])).toBe(2);
		expect(valueOf(samples(text, "moleculer_request_time_count", ok)[0])).toBe(2);
		expect(samples(text, "moleculer_request_time_bucket", ok).length).toBeGreaterThan(5);
		expect(valueOf(samples(text, "moleculer_request_time_sum", ok)[0])).toBeGreaterThanOrEqual(0);
		expect(samples(text, "moleculer_request_error_total", { action: "probe.ok" })).toEqual([]);

		const failed = samples(text, "moleculer_request_error_total", {
			action: "probe.fail",
			caller: "caller",
			errorName: "MoleculerClientError",
			errorCode: "404",
			errorType: "NOT_FOUND"
		});
		expect(valueOf(failed[0])).toBe(1);
		expect(valueOf(samples(text, "moleculer_request_time_count", { action: "probe.fail" })[0])).toBe(1);
	});

	it("counts handled events per service, group, event and caller", () => {
		const text = prometheusText(broker)!;
		const labels = { service: "probe", group: "probe", event: "probe.happened", caller: "caller" };
		expect(valueOf(samples(text, "moleculer_event_received_total", labels)[0])).toBe(1);
		expect(valueOf(samples(text, "moleculer_event_received_time_count", labels)[0])).toBe(1);
		expect(valueOf(samples(text, "moleculer_event_emit_total", { event: "probe.happened" })[0])).toBe(1);
	});

	it("exposes no gauges it does not keep up to date, and no client-side quantiles", () => {
		const text = prometheusText(broker)!;
		expect(text).not.toMatch(/^moleculer_request_active/m);
		expect(text).not.toMatch(/^moleculer_request_levels/m);
		expect(text).not.toMatch(/^moleculer_event_received_active/m);
		expect(text).not.toMatch(/^moleculer_request_time\{[^}]*quantile=/m);
	});
});
