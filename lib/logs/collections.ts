/** The `logs` collection: every node's log records at or above LOG_SHIP_LEVEL, capped in size and age. */
import type { CollectionSpec } from "../store";
import type { LogLevel } from "./record";

export interface LogDoc {
	id: string;
	time: string;
	level: LogLevel;
	levelValue: number;
	node: string;
	service: string;
	message: string;
	requestId?: string | null;
	fields?: Record<string, unknown> | null;
	seq: number;
	[key: string]: unknown;
}

export const logsCollection: CollectionSpec = {
	name: "logs",
	fields: {
		time: { type: "string", required: true, index: true },
		level: { type: "string", required: true, index: true },
		levelValue: { type: "integer", required: true, index: true },
		node: { type: "string", required: true },
		service: { type: "string", required: true, index: true },
		message: { type: "string", required: true },
		requestId: { type: "string", index: true },
		fields: { type: "json" },
		seq: { type: "integer", required: true }
	}
};
