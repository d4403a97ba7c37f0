/**
 * An OTLP/HTTP trace receiver for tests: a real HTTP server on a free local port that accepts
 * POST /v1/traces in the OTLP JSON encoding (what @opentelemetry/exporter-trace-otlp-http sends:
 * ids as hex strings) and keeps every span with its resource.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

type AnyValue = { stringValue?: string; boolValue?: boolean; intValue?: number | string; doubleValue?: number };
type KeyValue = { key: string; value: AnyValue };

export interface ReceivedSpan {
	traceId: string;
	spanId: string;
	parentSpanId: string;
	name: string;
	kind: number;
	attributes: Record<string, string | number | boolean | undefined>;
	resource: Record<string, string | number | boolean | undefined>;
	status: { code?: number; message?: string };
	events: Array<{ name: string }>;
}

export interface OtlpReceiver {
	/** The base URL to give as OTEL_EXPORTER_OTLP_ENDPOINT. */
	endpoint: string;
	spans: ReceivedSpan[];
	/** Requests that were not a POST of JSON traces to /v1/traces. */
	rejected: string[];
	close(): Promise<void>;
}

function value(v: AnyValue): string | number | boolean | undefined {
	if (v.stringValue !== undefined) return v.stringValue;
	if (v.boolValue !== undefined) return v.boolValue;
	if (v.intValue !== undefined) return Number(v.intValue);
	return v.doubleValue;
}

function attributes(list: KeyValue[] | undefined): Record<string, string | number | boolean | undefined> {
	return Object.fromEntries((list ?? []).map(kv => [kv.key, value(kv.value)]));
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
	const spans: ReceivedSpan[] = [];
	const rejected: string[] = [];
	const server = http.createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on("data", c => chunks.push(c));
		req.on("end", () => {
			if (req.method !== "POST" || req.url !== "/v1/traces" || !String(req.headers["content-type"]).includes("json")) {
				rejected.push(`${req.method} ${req.url} ${req.headers["content-type"]}`);
				res.writeHead(415).end();
				return;
			}
			const body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
			for (const rs of body.resourceSpans ?? []) {
				const resource = attributes(rs.resource?.attributes);
				for (const ss of rs.scopeSpans ?? [])
					for (const s of ss.spans ?? [])
						spans.push({
							traceId: s.traceId,
							spanId: s.spanId,
							parentSpanId: s.parentSpanId ?? "",
							name: s.name,
							kind: s.kind,
							attributes: attributes(s.attributes),
							resource,
							status: s.status ?? {},
							events: s.events ?? []
						});
			}
			res.writeHead(200, { "content-type": "application/json" }).end("{}");
		});
	});
	await new Promise<void>(resolve => server.listen(0, "127.0.0.1", resolve));
	const { port } = server.address() as AddressInfo;
	return {
		endpoint: `http://127.0.0.1:${port}`,
		spans,
		rejected,
		close: () =>
			new Promise<void>(resolve => {
				server.closeAllConnections();
				server.close(() => resolve());
			})
	};
}

/** The services (moleculer.service) that have spans in a trace. */
export function servicesIn(spans: ReceivedSpan[], traceId: string): Set<string> {
	return new Set(spans.filter(s => s.traceId === traceId).map(s => String(s.attributes["moleculer.service"])));
}
