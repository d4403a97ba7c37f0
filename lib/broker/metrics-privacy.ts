/**
 * What /metrics may show and who may read it.
 *
 * Moleculer's process metrics include "info" metrics whose value is a string: the host name, the OS
 * user, its home directory, every network address and MAC address, the process arguments, the PID,
 * OS, Node and Moleculer versions. None is a figure to graph; all of them help an attacker, so no
 * info metric is exported. Numeric figures (CPU, memory, heap, event loop handles, uptime) stay.
 * Node IDs appear as label values (this node's default labels, transit and circuit-breaker labels
 * of other nodes); Moleculer's default node ID is `<hostname>-<pid>`, so known host names are
 * masked in them.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import os from "node:os";

/** Labels whose value is a node ID. */
export const NODE_ID_LABELS = new Set(["nodeID", "targetNodeID", "affectedNodeID"]);

export const MASKED_HOST = "host";

/** Whether a metric may be exported: none of Moleculer's string-valued "info" metrics are. */
export function isExportable(metric: { type: string } | null | undefined): boolean {
	return !!metric && metric.type !== "info";
}

/** This host's name and those of the nodes the registry knows (lower case, as in default node IDs). */
export function knownHostnames(nodes: Array<{ hostname?: unknown }> = []): string[] {
	const names = new Set([os.hostname(), ...nodes.map(n => n.hostname)].filter((h): h is string => typeof h === "string" && !!h));
	return [...names].map(h => h.toLowerCase()).sort((a, b) => b.length - a.length);
}

/** The value with every known host name in it replaced by "host" (case-insensitive). */
export function maskHostnames(value: string, hostnames: string[]): string {
	let masked = value;
	for (const name of hostnames) {
		let at = masked.toLowerCase().indexOf(name);
		while (at >= 0) {
			masked = masked.slice(0, at) + MASKED_HOST + masked.slice(at + name.length);
			at = masked.toLowerCase().indexOf(name, at + MASKED_HOST.length);
		}
	}
	return masked;
}

/** `Authorization: Bearer <token>` with the expected token, compared in constant time. */
export function metricsTokenMatches(header: string | string[] | undefined, token: string): boolean {
	const value = Array.isArray(header) ? header[0] : header;
	const match = /^Bearer\s+(\S+)$/i.exec(value ?? "");
	if (!match) return false;
	const digest = (s: string) => createHash("sha256").update(s).digest();
	return timingSafeEqual(digest(match[1]), digest(token));
}
