/**
 * The pieces of tracing that need no network: Moleculer ids as W3C ids, `traceparent` parsed and
 * formatted (malformed headers refused), what an event carries and continues, the settings, the
 * span conversion of the OTLP exporter and the trace id in log lines.
 */
import { createHash, randomUUID } from "node:crypto";
import fc from "fast-check";
import { ServiceBroker, type Context, type Span } from "moleculer";
import { logFormatter } from "../../lib/broker/log-formatter";
import { createEvent } from "../../lib/events";
import { requestScope } from "../../lib/request-context";
import { routeOf } from "../../mixins/gateway/trace-header.mixin";
import { formatTraceparent, parseTraceparent, spanIdOf, traceIdOf } from "../../lib/tracing/ids";
import { callerSpanOf } from "../../lib/tracing/incoming";
import { originOf, parentSpanOf } from "../../lib/tracing/origin";
import { OtlpTraceExporter, hrTime } from "../../lib/tracing/otlp-exporter";
import { tracingOptions } from "../../lib/tracing/options";
import { tracingSettings } from "../../lib/tracing/settings";

const HEX32 = /^[0-9a-f]{32}$/;
const HEX16 = /^[0-9a-f]{16}$/;
const sha = (s: string) => createHash("sha256").update(s).digest("hex");

describe("Moleculer ids as W3C trace and span ids", () => {
	it("a UUID request id is the trace id without its dashes; a span's UUID gives its last 16 hex characters", () => {
		expect(traceIdOf("0F8FAD5B-D9CB-469F-A165-70867728950E")).toBe("0f8fad5bd9cb469fa16570867728950e");
		expect(spanIdOf("0f8fad5b-d9cb-469f-a165-70867728950e")).toBe("a16570867728950e");
	});

	it("ids already in W3C form are kept, so a traceparent's ids survive the round trip", () => {
		expect(traceIdOf("4bf92f3577b34da6a3ce929d0e0e4736")).toBe("4bf92f3577b34da6a3ce929d0e0e4736");
		expect(spanIdOf("00f067aa0ba902b7")).toBe("00f067aa0ba902b7");
	});

	it("any other request id (a caller's own X-Request-Id) is hashed, the same on every node", () => {
		expect(traceIdOf("checkout-42")).toBe(sha("checkout-42").slice(0, 32));
		expect(spanIdOf("span-7")).toBe(sha("span-7").slice(0, 16));
		// Upper-case hex is not W3C form: hashed too, never passed on as it is.
		expect(traceIdOf("4BF92F3577B34DA6A3CE929D0E0E4736")).toMatch(HEX32);
		expect(traceIdOf("4BF92F3577B34DA6A3CE929D0E0E4736")).not.toBe("4BF92F3577B34DA6A3CE929D0E0E4736");
	});

	it("never answers the all-zero ids, which W3C declares invalid", () => {
		expect(traceIdOf("0".repeat(32))).not.toBe("0".repeat(32));
		expect(traceIdOf("00000000-0000-0000-0000-000000000000")).not.toBe("0".repeat(32));
		expect(spanIdOf("0".repeat(16))).not.toBe("0".repeat(16));
	});

	it("answers valid, deterministic ids for any string", () => {
		fc.assert(
			fc.property(fc.string(), s => {
				expect(traceIdOf(s)).toMatch(HEX32);
				expect(spanIdOf(s)).toMatch(HEX16);
				expect(traceIdOf(s)).toBe(traceIdOf(s));
			})
		);
	});
});

describe("traceparent", () => {
	const valid = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

	it("parses a valid header with its sampled flag", () => {
		expect(parseTraceparent(valid)).toEqual({
			traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
			parentId: "00f067aa0ba902b7",
			sampled: true
		});
		expect(parseTraceparent(valid.replace(/01$/, "00"))?.sampled).toBe(false);
		expect(parseTraceparent(valid.replace(/01$/, "03"))?.sampled).toBe(true);
		// A later version may append fields; version 00 may not.
		expect(parseTraceparent(`01${valid.slice(2)}-extra`)).not.toBeNull();
	});

	it.each([
		["empty", ""],
		["not a string", 42],
		["upper-case hex", valid.toUpperCase()],
		["short trace id", "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01"],
		["long span id", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7a-01"],
		["all-zero trace id", `00-${"0".repeat(32)}-00f067aa0ba902b7-01`],
		["all-zero span id", `00-4bf92f3577b34da6a3ce929d0e0e4736-${"0".repeat(16)}-01`],
		["version ff", `ff${valid.slice(2)}`],
		["version 00 with an extra field", `${valid}-extra`],
		["missing flags", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7"],
		["other separators", valid.replace(/-/g, "_")],
		["oversized", `${valid}${"-x".repeat(400)}`]
	])("refuses a malformed header (%s)", (_label, header) => {
		expect(parseTraceparent(header)).toBeNull();
	});

	it("formats what it parses", () => {
		fc.assert(
			fc.property(fc.uuid(), fc.uuid(), fc.boolean(), (trace, span, sampled) => {
				const header = formatTraceparent(traceIdOf(trace), spanIdOf(span), sampled);
				expect(parseTraceparent(header)).toEqual({ traceId: traceIdOf(trace), parentId: spanIdOf(span), sampled });
			})
		);
	});
});

describe("the trace context an event carries", () => {
	const span = { id: randomUUID(), traceID: randomUUID(), sampled: true } as Span;

	it("is the request id alone without tracing, and the context's span with it", () => {
		expect(originOf({ requestID: "r-1", span: null } as unknown as Context)).toEqual({ requestId: "r-1" });
		const origin = originOf({ requestID: span.traceID, span } as unknown as Context);
		expect(origin).toEqual({ requestId: span.traceID, traceparent: `00-${traceIdOf(span.traceID)}-${spanIdOf(span.id)}-01` });
	});

	it("is stored in the CloudEvents envelope as the traceparent extension attribute", () => {
		const event = createEvent("orders", "order.created", "o-1", {}, { requestId: "r-1", traceparent: valid() });
		expect(event).toMatchObject({ correlationid: "r-1", traceparent: valid() });
		expect(createEvent("orders", "order.created", "o-1", {}, { requestId: "r-1" })).not.toHaveProperty("traceparent");
	});

	it("is continued by the event's handling when it names the request's trace", () => {
		const event = createEvent("orders", "order.created", "o-1", {}, originOf({ requestID: span.traceID, span } as unknown as Context));
		expect(parentSpanOf(event)).toEqual({ id: spanIdOf(span.id), traceID: span.traceID, sampled: true });
	});

	it("is ignored when malformed or of another trace than the request id's", () => {
		expect(parentSpanOf({ id: "e", correlationid: "r-1", traceparent: "garbage" })).toBeUndefined();
		expect(parentSpanOf({ id: "e", correlationid: "r-1", traceparent: valid() })).toBeUndefined();
		expect(parentSpanOf({ id: "e", correlationid: "r-1" })).toBeUndefined();
	});

	function valid() {
		return "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
	}
});

describe("a caller's traceparent at the gateway", () => {
	it("becomes the parent of the gateway's span, its trace id the request id; a malformed one is ignored", () => {
		expect(callerSpanOf("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00")).toEqual({
			id: "00f067aa0ba902b7",
			traceID: "4bf92f3577b34da6a3ce929d0e0e4736",
			sampled: false
		});
		expect(callerSpanOf(["00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "ignored"])?.sampled).toBe(true);
		expect(callerSpanOf("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01")).toBeUndefined();
		expect(callerSpanOf(undefined)).toBeUndefined();
	});
});

describe("tracing settings", () => {
	it("is off without OTEL_EXPORTER_OTLP_ENDPOINT: no tracer, no exporter", () => {
		expect(tracingSettings({})).toEqual({ tracesUrl: null, sampleRate: 1 });
		expect(tracingOptions({})).toEqual({ enabled: false });
	});

	it("sends to <endpoint>/v1/traces, sampling TRACING_SAMPLE_RATE", () => {
		expect(tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318/", TRACING_SAMPLE_RATE: "0.25" })).toEqual({
			tracesUrl: "http://collector:4318/v1/traces",
			sampleRate: 0.25
		});
		const options = tracingOptions({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318" });
		expect(options).toMatchObject({
			enabled: true,
			events: true,
			sampling: { rate: 1 },
			tags: { action: { params: false, meta: false } }
		});
	});

	it.each([
		[{ OTEL_EXPORTER_OTLP_ENDPOINT: "collector:4318" }, /OTEL_EXPORTER_OTLP_ENDPOINT/],
		[{ OTEL_EXPORTER_OTLP_ENDPOINT: "ftp://collector" }, /OTEL_EXPORTER_OTLP_ENDPOINT/],
		[{ TRACING_SAMPLE_RATE: "2" }, /TRACING_SAMPLE_RATE/],
		[{ TRACING_SAMPLE_RATE: "half" }, /TRACING_SAMPLE_RATE/]
	])("refuses %j", (env, message) => {
		expect(() => tracingSettings(env)).toThrow(message);
	});
});

describe("the OTLP exporter's span conversion", () => {
	let broker: ServiceBroker;
	let exporter: OtlpTraceExporter;

	beforeAll(() => {
		exporter = new OtlpTraceExporter({ url: "http://127.0.0.1:9/v1/traces" });
		broker = new ServiceBroker({
			nodeID: "node-1",
			namespace: "ns",
			logger: false,
			tracing: { enabled: true, exporter: [exporter as never] }
		});
	});

	it("keeps the ids, parent, times, service, node, request id and error of a Moleculer span", () => {
		const requestId = randomUUID();
		const parentId = randomUUID();
		// Not sampled, so the tracer does not hand it to the exporter's batch by itself.
		const span = broker.tracer.startSpan("action 'orders.create'", {
			id: randomUUID(),
			type: "action",
			traceID: requestId,
			parentID: parentId,
			sampled: false,
			service: { name: "orders", fullName: "orders" },
			tags: { action: { name: "orders.create" }, remoteCall: true, callingLevel: 2, nothing: null }
		});
		span.setError(Object.assign(new Error("Out of stock"), { code: 409 }));
		span.finish(span.startTime! + 12.5);
		const otel = exporter.toReadableSpan(span);
		expect(otel.spanContext()).toEqual({ traceId: traceIdOf(requestId), spanId: spanIdOf(span.id), traceFlags: 1 });
		expect(otel.parentSpanContext).toMatchObject({ traceId: traceIdOf(requestId), spanId: spanIdOf(parentId) });
		expect(otel.kind).toBe(1); // SERVER: a call from another node
		expect(otel.attributes).toMatchObject({
			"moleculer.service": "orders",
			"moleculer.node": "node-1",
			"shop.request_id": requestId,
			"moleculer.action.name": "orders.create",
			"moleculer.callingLevel": 2,
			"moleculer.error.code": 409
		});
		expect(otel.attributes).not.toHaveProperty("moleculer.nothing");
		expect(otel.status).toEqual({ code: 2, message: "Out of stock" });
		expect(otel.events.map(e => e.name)).toEqual(["exception"]);
		expect(otel.duration).toEqual([0, 12_500_000]);
		expect(otel.resource.attributes).toMatchObject({
			"service.name": "shop",
			"service.instance.id": "node-1",
			"service.namespace": "ns"
		});
	});

	it("converts milliseconds with fractions to [seconds, nanoseconds]", () => {
		expect(hrTime(1_700_000_000_123.456)).toEqual([1_700_000_000, 123_456_000]);
		expect(hrTime(999.9999999)).toEqual([1, 0]);
	});
});

describe("the gateway's span name", () => {
	it("is the route: ids as :id, no query string", () => {
		expect(routeOf(`/api/v1/orders/${randomUUID()}?page=2`)).toBe("/api/v1/orders/:id");
		expect(routeOf("/api/v1/notifications?recipient=ann@example.com")).toBe("/api/v1/notifications");
		expect(routeOf("/api/v1/shipments/42/status")).toBe("/api/v1/shipments/:id/status");
		expect(routeOf("/api/v1/products")).toBe("/api/v1/products");
	});
});

describe("log lines", () => {
	const bindings = { nodeID: "n1", ns: "", mod: "orders", svc: "orders" };
	const printArgs = (args: unknown[]) => args;
	const line = (format: string, traced: boolean) =>
		requestScope.run({ requestId: "checkout-42" }, () => logFormatter(format, traced)("info", ["placed"], bindings, { printArgs })[0]!);

	it("name the trace next to the request id when tracing is on", () => {
		expect(JSON.parse(line("json", true))).toMatchObject({ requestId: "checkout-42", traceId: traceIdOf("checkout-42") });
		expect(line("text", true)).toContain(`[checkout-42 trace=${traceIdOf("checkout-42")}]`);
	});

	it("only the request id when it is off", () => {
		expect(JSON.parse(line("json", false))).not.toHaveProperty("traceId");
		expect(line("text", false)).toContain("[checkout-42]: placed");
	});
});
