/**
 * Tracing settings. OTEL_EXPORTER_OTLP_ENDPOINT (unset: tracing off, nothing traced or exported):
 * the base URL of an OTLP/HTTP collector, spans are POSTed to <endpoint>/v1/traces as the
 * OpenTelemetry specification says for this variable. TRACING_SAMPLE_RATE (1): the share of new
 * traces kept, 0 to 1; a trace continued from another node or from an event keeps the decision its
 * first node took (the `traceparent` flag).
 */
import type { Env } from "../config";

export interface TracingSettings {
	/** Where spans go; null when tracing is off. */
	tracesUrl: string | null;
	sampleRate: number;
}

export function tracingSettings(env: Env = process.env): TracingSettings {
	const endpoint = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
	let tracesUrl: string | null = null;
	if (endpoint) {
		let url: URL;
		try {
			url = new URL(endpoint);
		} catch {
			throw new Error(`Invalid OTEL_EXPORTER_OTLP_ENDPOINT in configuration: "${endpoint}" (an http or https URL)`);
		}
		if (url.protocol !== "http:" && url.protocol !== "https:")
			throw new Error(`Invalid OTEL_EXPORTER_OTLP_ENDPOINT in configuration: "${endpoint}" (an http or https URL)`);
		tracesUrl = `${endpoint.replace(/\/+$/, "")}/v1/traces`;
	}
	const raw = env.TRACING_SAMPLE_RATE;
	const sampleRate = raw === undefined || raw === "" ? 1 : Number(raw);
	if (!Number.isFinite(sampleRate) || sampleRate < 0 || sampleRate > 1)
		throw new Error(`Invalid TRACING_SAMPLE_RATE in configuration: "${raw}" (a number from 0 to 1)`);
	return { tracesUrl, sampleRate };
}
