/**
 * Log shipping is not traced: every node emits a batch of log records a second, which would bury
 * the requests' traces. The real logs service on a broker whose tracing exports to an in-memory
 * collector (Moleculer's own exporter interface; no network involved) stores a batch without a
 * span, while another event handler on the same broker is traced.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { TracerExporters, type Span } from "moleculer";
import { createBroker } from "../../create-broker";
import { LOG_EVENT } from "../../lib/logs/record";
import { eventually } from "../orders/support";

class Collector extends TracerExporters.Base {
	readonly spans: Span[] = [];
	override spanFinished(span: Span): void {
		this.spans.push(span);
	}
}

describe("tracing leaves log shipping out", () => {
	const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "shop-untraced-logs-"));
	const collector = new Collector({});
	const savedDataDir = process.env.DATA_DIR;
	const broker = (() => {
		process.env.DATA_DIR = dataDir;
		return createBroker(
			{
				nodeID: `untraced-logs-${process.pid}`,
				logger: false,
				tracing: { enabled: true, events: true, exporter: [collector as never] }
			},
			["logs"]
		);
	})();
	let probed = 0;
	broker.createService({ name: "probe", events: { "probe.ping": () => void probed++ } });

	beforeAll(() => broker.start());
	afterAll(async () => {
		await broker.stop();
		if (savedDataDir === undefined) delete process.env.DATA_DIR;
		else process.env.DATA_DIR = savedDataDir;
		fs.rmSync(dataDir, { recursive: true, force: true });
	});

	it("stores a shipped batch without a span; other event handlers have theirs", async () => {
		const record = { time: new Date().toISOString(), level: "info", node: "n1", service: "orders", message: "untraced" };
		await broker.emit(LOG_EVENT, { entries: [record] });
		await broker.emit("probe.ping", {});
		await eventually("the batch stored", async () => {
			const page = (await broker.call("logs.list", { q: "untraced" })) as { total: number };
			return page.total === 1;
		});
		await eventually("the probe's span", async () => probed === 1 && collector.spans.some(s => s.name.includes("probe.ping")));
		expect(collector.spans.filter(s => s.name.includes(LOG_EVENT))).toEqual([]);
	});
});
