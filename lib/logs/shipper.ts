/**
 * A Moleculer logger (next to the Console one) that ships this node's log records to the logs
 * service over the bus, so the central store works in every topology. Records at or above
 * LOG_SHIP_LEVEL are buffered and emitted in batches (`logs.entries`, one logs instance stores each
 * batch) every LOG_SHIP_INTERVAL_MS, once a logs service is known to the registry.
 *
 * It must not feed itself: the logs service's own records are never shipped (storing a batch
 * that logs would log again), nor records about the shipping event itself (the broker and transit
 * log every emit at debug), nor records made while a batch is being emitted; and the buffer is
 * bounded (the oldest records go first, and a line says how many were lost).
 */
import { Loggers, type ServiceBroker } from "moleculer";
import { currentRequestId } from "../request-context";
import { LOG_EVENT, levelValue, type LogBatch, type LogLevel, type LogRecord } from "./record";
import { shipSettings } from "./settings";
import type { Env } from "../config";

export interface LogShipperOptions {
	level: LogLevel;
	intervalMs?: number;
	batchSize?: number;
	bufferSize?: number;
}

/** What Moleculer tells a logger about where a record comes from. */
interface LoggerBindings {
	nodeID: string;
	ns: string;
	mod: string;
	svc?: string;
}

const MAX_MESSAGE = 4000;
const MAX_FIELD_JSON = 4000;
/** The service whose records are not shipped: its own storage must not produce more records. */
const LOGS_SERVICE = "logs";

function describe(arg: unknown): string {
	if (typeof arg === "string") return arg;
	if (arg instanceof Error) return `${arg.name}: ${arg.message}`;
	try {
		return JSON.stringify(arg) ?? String(arg);
	} catch {
		return String(arg);
	}
}

/** The structured part of a record: errors by name/message/code, plain objects as they are (bounded). */
function fieldsOf(args: unknown[]): Record<string, unknown> | undefined {
	const fields: Record<string, unknown> = {};
	for (const arg of args) {
		if (arg instanceof Error) {
			const e = arg as Error & { code?: unknown; type?: unknown };
			fields.error = {
				name: e.name,
				message: e.message,
				...(e.code !== undefined ? { code: e.code } : {}),
				...(e.type ? { type: e.type } : {})
			};
		} else if (arg && typeof arg === "object" && !Array.isArray(arg) && Object.getPrototypeOf(arg) === Object.prototype) {
			try {
				const json = JSON.stringify(arg);
				if (json && json.length <= MAX_FIELD_JSON) Object.assign(fields, JSON.parse(json));
			} catch {
				/* circular or unserializable: the message has what can be said */
			}
		}
	}
	return Object.keys(fields).length ? fields : undefined;
}

export class BusLogShipper extends Loggers.Base<{ level: LogLevel }> {
	private buffer: LogRecord[] = [];
	private dropped = 0;
	private seq = 0;
	private emitting = false;
	private timer?: NodeJS.Timeout;
	private readonly intervalMs: number;
	private readonly batchSize: number;
	private readonly bufferSize: number;

	constructor(opts: LogShipperOptions) {
		super({ level: opts.level });
		this.intervalMs = opts.intervalMs ?? 1000;
		this.batchSize = opts.batchSize ?? 200;
		this.bufferSize = opts.bufferSize ?? 5000;
	}

	override init(loggerFactory: Parameters<InstanceType<typeof Loggers.Base>["init"]>[0]): void {
		super.init(loggerFactory);
		this.timer = setInterval(() => this.flush(), this.intervalMs);
		this.timer.unref();
	}

	/** Called last when the broker stops, after the services and the transporter: what is left cannot be delivered. */
	override stop() {
		if (this.timer) clearInterval(this.timer);
		this.timer = undefined;
		this.buffer = [];
		return super.stop();
	}

	override getLogHandler(bindings: LoggerBindings) {
		if (!bindings || bindings.svc === LOGS_SERVICE) return null;
		const level = this.getLogLevel(bindings.mod);
		if (!level) return null;
		const max = levelValue(level);
		const service = bindings.svc ?? bindings.mod;
		return (type: string, args: unknown[]) => {
			const value = levelValue(type);
			if (value < 0 || value > max || this.emitting) return;
			const message = args.map(describe).join(" ");
			// The broker's and transit's own lines about shipping (debug: "Emit 'logs.entries' ...") would feed themselves.
			if (message.includes(LOG_EVENT)) return;
			const requestId = currentRequestId();
			const fields = fieldsOf(args);
			this.add({
				time: new Date().toISOString(),
				level: type as LogLevel,
				node: bindings.nodeID,
				service,
				message: message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE - 3)}...` : message,
				...(requestId ? { requestId } : {}),
				...(fields ? { fields } : {}),
				seq: ++this.seq
			});
		};
	}

	private add(record: LogRecord): void {
		this.buffer.push(record);
		if (this.buffer.length > this.bufferSize) {
			this.buffer.shift();
			this.dropped++;
		}
	}

	/** Emits the buffered records in batches, once the broker runs and a logs service listens somewhere. */
	flush(): void {
		const broker = this.broker as ServiceBroker | undefined;
		if (!broker || !this.buffer.length || this.emitting || !broker.started) return;
		if (!broker.hasEventListener(LOG_EVENT)) return;
		if (this.dropped) {
			this.buffer.push({
				time: new Date().toISOString(),
				level: "warn",
				node: broker.nodeID,
				service: "log-shipper",
				message: `${this.dropped} log record(s) were dropped: the logs service was away or too slow`,
				seq: ++this.seq
			});
			this.dropped = 0;
		}
		while (this.buffer.length) {
			const batch: LogBatch = { entries: this.buffer.splice(0, this.batchSize) };
			this.emitting = true;
			try {
				// Not awaited: a failed emit (transporter down) loses this batch, never the node's logging.
				Promise.resolve(broker.emit(LOG_EVENT, batch)).catch(() => undefined);
			} catch {
				/* the broker is stopping */
			} finally {
				this.emitting = false;
			}
		}
	}
}

/** The shipper for the broker options, or none when LOG_SHIP_LEVEL is off. */
export function logShippers(env: Env = process.env): BusLogShipper[] {
	const { level, intervalMs } = shipSettings(env);
	return level ? [new BusLogShipper({ level, intervalMs })] : [];
}
