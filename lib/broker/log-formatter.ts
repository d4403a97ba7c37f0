/**
 * One log line per record, naming node, service and the request id of the request it belongs to.
 * JSON for collectors (LOG_FORMAT=json, the production default), a short text line for humans.
 */
import { currentRequestId } from "../request-context";

interface Bindings {
	nodeID: string;
	ns: string;
	mod: string;
	svc?: string;
}

type PrintArgs = (args: unknown[]) => unknown[];

function message(args: unknown[], printArgs: PrintArgs): string {
	return printArgs(args)
		.map(a => (typeof a === "string" ? a : JSON.stringify(a)))
		.join(" ");
}

export function jsonFormatter(type: string, args: unknown[], bindings: Bindings, { printArgs }: { printArgs: PrintArgs }) {
	const requestId = currentRequestId();
	return [
		JSON.stringify({
			time: new Date().toISOString(),
			level: type,
			node: bindings.nodeID,
			service: bindings.svc ?? bindings.mod,
			...(requestId ? { requestId } : {}),
			msg: message(args, printArgs)
		})
	];
}

export function textFormatter(type: string, args: unknown[], bindings: Bindings, { printArgs }: { printArgs: PrintArgs }) {
	const requestId = currentRequestId();
	const where = `${bindings.nodeID}/${(bindings.svc ?? bindings.mod).toUpperCase()}`;
	return [
		`[${new Date().toISOString()}] ${type.toUpperCase().padEnd(5)} ${where}${requestId ? ` [${requestId}]` : ""}: ${message(args, printArgs)}`
	];
}
