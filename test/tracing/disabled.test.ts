/**
 * Without OTEL_EXPORTER_OTLP_ENDPOINT tracing costs nothing: the real gateway and products service
 * in-process have no tracer, the gateway no trace hook and its answers no traceparent, and the
 * events recorded carry the request id alone.
 */
import type { Context } from "moleculer";
import type { DomainEvent } from "../../lib/events";
import { client } from "../helpers/http";
import { startStack, type Stack } from "../helpers/stack";
import { admin, eventually } from "../orders/support";

describe("tracing off (no OTEL_EXPORTER_OTLP_ENDPOINT)", () => {
	let stack: Stack;
	const seen: DomainEvent<unknown>[] = [];

	beforeAll(async () => {
		stack = await startStack({
			services: ["api", "products"],
			env: { OTEL_EXPORTER_OTLP_ENDPOINT: undefined },
			extraServices: [
				{ name: "probe", events: { "product.created": (ctx: Context<DomainEvent<unknown>>) => void seen.push(ctx.params) } }
			]
		});
	});
	afterAll(() => stack?.stop());

	it("installs no tracer and no trace hook on the gateway", () => {
		expect(stack.broker.isTracingEnabled()).toBe(false);
		expect(stack.broker.getLocalService("api")!.schema.hooks?.before?.rest).toBeUndefined();
	});

	it("answers with the request id and no traceparent; the event carries the request id and no traceparent", async () => {
		const api = client(stack.baseUrl);
		const r = await api.post(
			"/api/v1/products",
			{ name: "Untraced lamp", price: 10, category: "tracing" },
			{ token: admin().token, headers: { "x-request-id": "untraced-1" } }
		);
		expect(r.status).toBe(201);
		expect(r.headers.get("x-request-id")).toBe("untraced-1");
		expect(r.headers.has("traceparent")).toBe(false);
		const event = await eventually("product.created", async () => seen.find(e => e.subject === r.body.id));
		expect(event.correlationid).toBe("untraced-1");
		expect(event).not.toHaveProperty("traceparent");
	});
});
