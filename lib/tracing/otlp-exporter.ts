/**
 * A Moleculer tracing exporter that sends finished spans over OTLP/HTTP (JSON) with the
 * OpenTelemetry SDK: each Moleculer span becomes an OpenTelemetry ReadableSpan with the ids of
 * lib/tracing/ids.ts, handed to the SDK's batch processor (which honours the SDK's own OTEL_BSP_*
 * variables) and its OTLP exporter. Resource: service.name "shop", the node as service.instance.id;
 * each span names its Moleculer service, node and request id as attributes.
 */
import os from "node:os";
import { SpanKind, SpanStatusCode, TraceFlags, type Attributes, type AttributeValue, type HrTime } from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes, type Resource } from "@opentelemetry/resources";
import { BatchSpanProcessor, type ReadableSpan, type SpanExporter } from "@opentelemetry/sdk-trace-base";
import {
	ATTR_EXCEPTION_MESSAGE,
	ATTR_EXCEPTION_TYPE,
	ATTR_SERVICE_INSTANCE_ID,
	ATTR_SERVICE_NAME,
	ATTR_SERVICE_NAMESPACE
} from "@opentelemetry/semantic-conventions";
import { TracerExporters, type Span, type Tracer } from "moleculer";
import { spanIdOf, traceIdOf } from "./ids";

export const SERVICE_NAME = "shop";
/** The gateway's request handler (moleculer-web): where a request enters the system. */
const GATEWAY_ACTION = "api.rest";
/** ExportResultCode.SUCCESS of @opentelemetry/core. */
const EXPORT_SUCCESS = 0;
const WARN_EVERY_MS = 60_000;

export interface OtlpExporterOptions {
	/** The collector's traces URL (…/v1/traces). */
	url: string;
}

/**
 * Milliseconds since the epoch as OpenTelemetry's [seconds, nanoseconds], to the microsecond (a
 * double this large holds no finer fraction).
 */
export function hrTime(ms: number): HrTime {
	let seconds = Math.floor(ms / 1000);
	let nanos = Math.round((ms - seconds * 1000) * 1000) * 1000;
	if (nanos >= 1e9) {
		seconds += 1;
		nanos -= 1e9;
	}
	return [seconds, nanos];
}

function attributeValue(value: unknown): AttributeValue | undefined {
	if (value === null || value === undefined) return undefined;
	if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") return value;
	return String(value);
}

function kindOf(span: Span): SpanKind {
	if (span.type === "event") return SpanKind.CONSUMER;
	if (span.tags.action?.name === GATEWAY_ACTION || span.tags.remoteCall === true) return SpanKind.SERVER;
	return SpanKind.INTERNAL;
}

export class OtlpTraceExporter extends TracerExporters.Base {
	private processor: BatchSpanProcessor | null = null;
	private resource: Resource | null = null;
	private lastWarning = 0;

	constructor(private readonly options: OtlpExporterOptions) {
		super({});
	}

	override init(tracer: Tracer): void {
		super.init(tracer);
		const otlp = new OTLPTraceExporter({ url: this.options.url });
		// The SDK reports failed exports to its own diagnostics only (silent by default): say so here.
		const reporting: SpanExporter = {
			export: (spans, done) =>
				otlp.export(spans, result => {
					if (result.code !== EXPORT_SUCCESS)
						this.warn(`${spans.length} span(s) not exported: ${result.error?.message ?? "failed"}`);
					done(result);
				}),
			shutdown: () => otlp.shutdown(),
			forceFlush: () => otlp.forceFlush()
		};
		this.processor = new BatchSpanProcessor(reporting);
		const namespace = this.broker.namespace;
		this.resource = resourceFromAttributes({
			[ATTR_SERVICE_NAME]: SERVICE_NAME,
			[ATTR_SERVICE_INSTANCE_ID]: this.broker.nodeID,
			...(namespace ? { [ATTR_SERVICE_NAMESPACE]: namespace } : {}),
			"host.name": os.hostname()
		});
		this.logger.info(`Tracing: spans exported over OTLP/HTTP to ${this.options.url}`);
	}

	override spanFinished(span: Span): void {
		this.processor?.onEnd(this.toReadableSpan(span));
	}

	/** Sends what is batched and stops (the broker calls it as it stops). */
	override async stop(): Promise<void> {
		await this.processor?.shutdown();
		this.processor = null;
	}

	toReadableSpan(span: Span): ReadableSpan {
		const traceId = traceIdOf(span.traceID);
		const spanId = spanIdOf(span.id);
		const start = span.startTime ?? Date.now();
		const finish = span.finishTime ?? start;
		const attributes: Attributes = {
			"moleculer.service": span.service?.fullName ?? span.service?.name,
			"moleculer.node": this.broker.nodeID,
			"moleculer.span_type": span.type,
			"shop.request_id": span.traceID
		};
		for (const [key, value] of Object.entries(this.flattenTags(span.tags) ?? {})) {
			const v = attributeValue(value);
			if (v !== undefined) attributes[`moleculer.${key}`] = v;
		}
		const events = span.logs.map(log => ({
			name: log.name,
			time: hrTime(log.time),
			attributes: Object.fromEntries(
				Object.entries(this.flattenTags(log.fields) ?? {}).flatMap(([k, v]) => {
					const value = attributeValue(v);
					return value === undefined ? [] : [[k, value]];
				})
			)
		}));
		let status: ReadableSpan["status"] = { code: SpanStatusCode.UNSET };
		if (span.error) {
			const err = this.errorToObject(span.error) ?? {};
			const type = String(err.name ?? "Error");
			const message = String(err.message ?? "");
			status = { code: SpanStatusCode.ERROR, message };
			if (err.code !== undefined) attributes["moleculer.error.code"] = attributeValue(err.code);
			events.push({
				name: "exception",
				time: hrTime(finish),
				attributes: { [ATTR_EXCEPTION_TYPE]: type, [ATTR_EXCEPTION_MESSAGE]: message }
			});
		}
		return {
			name: span.name,
			kind: kindOf(span),
			spanContext: () => ({ traceId, spanId, traceFlags: TraceFlags.SAMPLED }),
			parentSpanContext: span.parentID
				? { traceId, spanId: spanIdOf(span.parentID), traceFlags: TraceFlags.SAMPLED, isRemote: true }
				: undefined,
			startTime: hrTime(start),
			endTime: hrTime(finish),
			duration: hrTime(finish - start),
			status,
			attributes,
			links: [],
			events,
			ended: true,
			resource: this.resource!,
			instrumentationScope: { name: "moleculer", version: this.broker.MOLECULER_VERSION },
			droppedAttributesCount: 0,
			droppedEventsCount: 0,
			droppedLinksCount: 0
		};
	}

	private warn(message: string): void {
		const now = Date.now();
		if (now - this.lastWarning < WARN_EVERY_MS) return;
		this.lastWarning = now;
		this.logger.warn(`Tracing: ${message} (said at most once a minute)`);
	}
}
