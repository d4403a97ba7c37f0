/**
 * A log record as it travels from every node to the logs service: the same facts as a JSON log
 * line on stdout (time, level, node, service, request id, message), plus structured fields.
 */

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Smaller is more severe (fatal 0 ... trace 5), as Moleculer orders them. */
export const levelValue = (level: string): number => LOG_LEVELS.indexOf(level as LogLevel);

/** The bus event that carries batches of records to the logs service (emitted: one logs instance stores each batch). */
export const LOG_EVENT = "logs.entries";

export interface LogRecord {
	time: string;
	level: LogLevel;
	node: string;
	/** The service that logged, or the broker module (broker, transit, registry ...). */
	service: string;
	message: string;
	requestId?: string;
	fields?: Record<string, unknown>;
	/** Per node, increasing: orders records of one node logged in the same millisecond. */
	seq: number;
}

export interface LogBatch {
	entries: LogRecord[];
}
