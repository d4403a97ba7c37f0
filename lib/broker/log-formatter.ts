/**
 * One log line per record, naming node, service and the request id of the request it belongs to,
 * and its trace id when tracing is on (lib/tracing/ids.ts derives it from the request id).
 * JSON for collectors (LOG_FORMAT=json, the production default), a short text line for humans.
 */
import { currentRequestId } from "../request-context";
import { traceIdOf } from "../tracing/ids";

interface Bindings {
	nodeID: string;
	ns: string;
	mod: string;
	svc?: string;
}

type PrintArgs = (args: unknown[]) => unknown[];
type Formatter = (type: string, args: unknown[], bindings: Bindings, opts: { printArgs: PrintArgs }) => string[];

function message(args: unknown[], printArgs: PrintArgs): string {
	return printArgs(args)
		.map(a => (typeof a === "string" ? a : JSON.stringify(a)))
		.join(" ");
}

function jsonFormatter(withTraceIds: boolean): Formatter {
	return (type, args, bindings, { printArgs }) => {
		const requestId = currentRequestId();
		return [
			JSON.stringify({
				time: new Date().toISOString(),
				level: type,
				node: bindings.nodeID,
				service: bindings.svc ?? bindings.mod,
				...(requestId ? { requestId, ...(withTraceIds ? { traceId: traceIdOf(requestId) } : {}) } : {}),
				msg: message(args, printArgs)
			})
		];
	};
}

function textFormatter(withTraceIds: boolean): Formatter {
	return (type, args, bindings, { printArgs }) => {
		const requestId = currentRequestId();
		const where = `${bindings.nodeID}/${(bindings.svc ?? bindings.mod).toUpperCase()}`;
		const request = requestId ? ` [${requestId}${withTraceIds ? ` trace=${traceIdOf(requestId)}` : ""}]` : "";
		return [`[${new Date().toISOString()}] ${type.toUpperCase().padEnd(5)} ${where}${request}: ${message(args, printArgs)}`];
	};
}

/** The console formatter for LOG_FORMAT ("json" or text); with trace ids only when tracing is on. */
export function logFormatter(format: string, withTraceIds: boolean): Formatter {
	return format === "json" ? jsonFormatter(withTraceIds) : textFormatter(withTraceIds);
}
