/**
 * The broker's tracing options: off (no middleware, no per-request work) unless
 * OTEL_EXPORTER_OTLP_ENDPOINT is set; then every action and event handler is a span, exported by
 * lib/tracing/otlp-exporter.ts.
 */
import type { Context, TracerOptions } from "moleculer";
import type { Env } from "../config";
import type { DomainEvent } from "../events";
import { OtlpTraceExporter } from "./otlp-exporter";
import { tracingSettings } from "./settings";

type TracerExporter = Exclude<NonNullable<TracerOptions["exporter"]>, unknown[] | string>;

/** The envelope's identity on an event handler's span (never its data). */
function eventTags(ctx: Context) {
	const e = ctx.params as Partial<DomainEvent<unknown>> | undefined;
	return { cloudevent: { id: e?.id, source: e?.source, subject: e?.subject } };
}

export function tracingOptions(env: Env = process.env): TracerOptions {
	const { tracesUrl, sampleRate } = tracingSettings(env);
	if (!tracesUrl) return { enabled: false };
	return {
		enabled: true,
		// Moleculer takes an exporter instance (a subclass of its Base); its types know only option objects.
		exporter: [new OtlpTraceExporter({ url: tracesUrl }) as unknown as TracerExporter],
		sampling: { rate: sampleRate },
		actions: true,
		events: true,
		errorFields: ["name", "message", "code", "type"],
		stackTrace: false,
		// Parameters and meta carry passwords, tokens, addresses and card numbers: never in a span.
		tags: { action: { params: false, meta: false }, event: eventTags }
	};
}
