/**
 * Logs: the central store of every node's log records. Each node's BusLogShipper (a logger beside
 * the Console one, lib/logs/shipper.ts) emits batches as `logs.entries` on the bus, so it
 * works in every topology; this service stores them, capped by LOGS_MAX_ENTRIES and LOGS_MAX_AGE_MS
 * (pruned every LOGS_PRUNE_INTERVAL_MS). Its own records are not shipped (see the shipper).
 *
 * Route (relative to /api/v1): GET /logs (admin) with level (the least severe level shown),
 * service, node, since (ISO), q (text in the message), requestId, page, pageSize; newest first.
 * Internal: prune (one pruning pass now).
 */
import type { Context, Service, ServiceSchema, ServiceSettingSchema } from "moleculer";
import type { Store } from "../lib/store";
import { logsCollection, type LogDoc } from "../lib/logs/collections";
import { buildLogQuery, listParams, type LogListParams } from "../lib/logs/query";
import { LOG_EVENT, LOG_LEVELS, levelValue, type LogBatch, type LogRecord } from "../lib/logs/record";
import { logsSettings } from "../lib/logs/settings";
import { DbMixin, type DbThis } from "../mixins/db.mixin";

interface LogsState {
	/** False once stopping: batches that arrive then are not written to a closing store. */
	accepting?: boolean;
	pruneTimer?: NodeJS.Timeout;
	pruning?: boolean;
}

interface LogsMethods {
	logs(): Store<LogDoc>;
	storeBatch(entries: LogRecord[]): Promise<number>;
	prune(): Promise<{ removed: number; remaining: number }>;
}

type LogsThis = Service & DbThis & LogsState & LogsMethods;

const str = (v: unknown, max: number): string | undefined => (typeof v === "string" && v ? v.slice(0, max) : undefined);

/** A record as stored, or null when it is not one (the event is on an open bus). */
function toDoc(r: Partial<LogRecord>): Omit<LogDoc, "id"> | null {
	const time = str(r?.time, 40);
	const level = r?.level;
	if (!time || Number.isNaN(Date.parse(time)) || !level || !(LOG_LEVELS as readonly string[]).includes(level)) return null;
	return {
		time: new Date(time).toISOString(),
		level,
		levelValue: levelValue(level),
		node: str(r.node, 200) ?? "unknown",
		service: str(r.service, 100) ?? "unknown",
		message: typeof r.message === "string" ? r.message.slice(0, 8000) : "",
		requestId: str(r.requestId, 128) ?? null,
		fields: r.fields && typeof r.fields === "object" && !Array.isArray(r.fields) ? r.fields : null,
		seq: Number.isInteger(r.seq) ? (r.seq as number) : 0
	};
}

const LogsService: ServiceSchema<ServiceSettingSchema, LogsMethods, DbThis & LogsState, LogsThis> = {
	name: "logs",
	mixins: [DbMixin([logsCollection])],

	actions: {
		list: {
			rest: "GET /logs",
			roles: ["admin"],
			params: listParams,
			async handler(this: LogsThis, ctx: Context<LogListParams>) {
				const q = buildLogQuery(ctx.params);
				// Up to the cap of every node's records: read off the event loop where the store can.
				const { docs, total } = await this.logs().findWithTotal(
					{ where: q.where, sort: q.sort, offset: q.offset, limit: q.limit },
					{ background: true }
				);
				const items = docs.map(({ levelValue: _v, seq: _s, ...d }) => ({
					...d,
					requestId: d.requestId ?? null,
					fields: d.fields ?? {}
				}));
				return { items, total, page: ctx.params.page, pageSize: ctx.params.pageSize };
			}
		},

		/** Internal: one pruning pass now (also run on a timer). */
		prune: {
			visibility: "public",
			async handler(this: LogsThis) {
				return this.prune();
			}
		}
	},

	events: {
		[LOG_EVENT]: {
			// Every node ships a batch a second: traced, they would bury the requests' traces.
			tracing: false,
			async handler(this: LogsThis, ctx: Context<LogBatch>) {
				const entries = Array.isArray(ctx.params?.entries) ? ctx.params.entries : [];
				if (!this.accepting) return;
				try {
					await this.storeBatch(entries);
				} catch (err) {
					// Not shipped (this service's records never are), so this cannot loop; stdout still has it.
					this.logger.warn(`Could not store ${entries.length} log record(s):`, (err as Error).message);
				}
			}
		}
	},

	methods: {
		logs(this: LogsThis) {
			return this.store<LogDoc>(logsCollection.name);
		},

		async storeBatch(this: LogsThis, entries: LogRecord[]) {
			let stored = 0;
			for (const entry of entries.slice(0, 1000)) {
				const doc = toDoc(entry);
				if (!doc) continue;
				await this.logs().insert(doc);
				stored++;
			}
			return stored;
		},

		/** Removes records past the age cap, then the oldest beyond the size cap. */
		async prune(this: LogsThis) {
			const { maxEntries, maxAgeMs } = logsSettings();
			const logs = this.logs();
			let removed = await logs.removeMany({ time: { lt: new Date(Date.now() - maxAgeMs).toISOString() } });
			// Then the oldest beyond the size cap, by id (many records share a millisecond).
			let excess = (await logs.count()) - maxEntries;
			while (excess > 0) {
				const oldest = await logs.find({
					sort: [
						["time", "asc"],
						["seq", "asc"]
					],
					limit: Math.min(excess, 500)
				});
				if (!oldest.length) break;
				removed += await logs.removeMany({ id: { in: oldest.map(d => d.id) } });
				excess -= oldest.length;
			}
			return { removed, remaining: await logs.count() };
		}
	},

	async started(this: LogsThis) {
		this.accepting = true;
		const { pruneIntervalMs } = logsSettings();
		if (!pruneIntervalMs) return;
		this.pruneTimer = setInterval(() => {
			if (this.pruning) return;
			this.pruning = true;
			this.prune()
				.catch((err: Error) => this.logger.warn("Pruning the logs failed:", err.message))
				.finally(() => (this.pruning = false));
		}, pruneIntervalMs);
		this.pruneTimer.unref();
	},

	async stopped(this: LogsThis) {
		this.accepting = false;
		if (this.pruneTimer) clearInterval(this.pruneTimer);
	}
};

export default LogsService;
