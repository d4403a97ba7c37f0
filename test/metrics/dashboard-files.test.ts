/**
 * The operator's files kept in the repository: the Grafana dashboard (deploy/grafana) and the
 * Prometheus alert rules (deploy/prometheus). The rules are checked by the real `promtool check
 * rules` (Debian's prometheus package) and parsed here for what promtool does not demand. That
 * every metric they read is exported is business-metrics.test.ts's job (it needs a running shop).
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { inCI } from "../helpers/servers";
import { RULES_FILE, dashboardExprs, loadDashboard, loadRules, metricNamesIn, metricsUsed } from "./support";

const CONFIG_FILE = path.join(path.dirname(RULES_FILE), "prometheus.yml");
const PROMTOOL = ["/usr/bin/promtool", "/usr/local/bin/promtool"].find(p => fs.existsSync(p));
const DURATION = /^(\d+(ms|s|m|h|d|w|y))+$/;
const SEVERITIES = ["critical", "warning", "info"];

function promtool(...args: string[]): Promise<{ code: number; out: string }> {
	return new Promise(resolve =>
		execFile(PROMTOOL!, args, { timeout: 60_000 }, (err, stdout, stderr) =>
			resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: `${stdout}${stderr}` })
		)
	);
}

describe("reading metric names out of PromQL", () => {
	it("keeps metrics and drops functions, keywords, labels, ranges, strings and numbers", () => {
		expect(
			metricNamesIn(
				'histogram_quantile(0.99, sum by (le, action) (rate(shop_x_bucket{kind="dead_letter", q=~"a|b"}[5m]))) > 1e3 ' +
					"and on (queue) max without (instance) (deriv(shop_y[10m:1m])) / ignoring(foo) group_left(bar) absent(up) or vector(0)"
			).sort()
		).toEqual(["shop_x_bucket", "shop_y", "up"]);
		expect(metricNamesIn("sum(rate(shop_orders_created_total[$__rate_interval])) * 60")).toEqual(["shop_orders_created_total"]);
	});
});

describe("the Grafana dashboard (deploy/grafana/shop-dashboard.json)", () => {
	const d = loadDashboard();

	it("has a uid, a title and a Prometheus datasource variable every query panel uses", () => {
		expect(d.uid).toMatch(/^[\w-]{1,40}$/);
		expect(d.title).toBeTruthy();
		expect(d.templating.list).toContainEqual(expect.objectContaining({ name: "datasource", type: "datasource" }));
		const queryPanels = d.panels.filter(p => p.type !== "row");
		expect(queryPanels.length).toBeGreaterThan(10);
		for (const p of queryPanels) {
			expect({ panel: p.title, uid: p.datasource?.uid }).toEqual({ panel: p.title, uid: "${datasource}" });
			expect(p.targets?.length).toBeGreaterThan(0);
			for (const t of p.targets!) expect({ panel: p.title, expr: t.expr.trim().length > 0 }).toEqual({ panel: p.title, expr: true });
		}
	});

	it("has unique panel ids and every panel within the 24-column grid, none overlapping", () => {
		const ids = d.panels.map(p => p.id);
		expect(new Set(ids).size).toBe(ids.length);
		const cells = new Set<string>();
		for (const p of d.panels) {
			const { x, y, w, h } = p.gridPos;
			expect({ panel: p.title, fits: x >= 0 && w > 0 && x + w <= 24 && h > 0 }).toEqual({ panel: p.title, fits: true });
			for (let i = x; i < x + w; i++)
				for (let j = y; j < y + h; j++) {
					expect({ panel: p.title, overlaps: cells.has(`${i},${j}`) }).toEqual({ panel: p.title, overlaps: false });
					cells.add(`${i},${j}`);
				}
		}
	});

	it("shows the figures the issue asks for", () => {
		const used = new Set(dashboardExprs().flatMap(metricNamesIn));
		for (const name of [
			"shop_orders",
			"shop_checkout_duration_seconds_bucket",
			"shop_payments_total",
			"shop_inventory_reservations_total",
			"shop_inventory_low_stock_items",
			"shop_notifications_total",
			"shop_rabbitmq_queue_messages",
			"shop_kafka_consumer_lag",
			"shop_outbox_pending",
			"up"
		])
			expect(used).toContain(name);
	});
});

describe("the Prometheus alert rules (deploy/prometheus/alerts.yml)", () => {
	const rules = loadRules();
	const all = rules.groups.flatMap(g => g.rules);

	it("are groups of named alerts, each with an expression, a valid duration, a severity, a summary and a description", () => {
		expect(new Set(rules.groups.map(g => g.name)).size).toBe(rules.groups.length);
		expect(new Set(all.map(r => r.alert)).size).toBe(all.length);
		for (const r of all) {
			expect(r.alert).toMatch(/^Shop[A-Z]\w+$/);
			expect(String(r.expr).trim()).not.toBe("");
			expect({ alert: r.alert, for: DURATION.test(r.for ?? "") }).toEqual({ alert: r.alert, for: true });
			expect(SEVERITIES).toContain(r.labels?.severity);
			expect(r.annotations?.summary).toBeTruthy();
			expect(r.annotations?.description).toBeTruthy();
		}
	});

	it("alert on dead letters, a growing backlog, a slow checkout and a missing node", () => {
		const exprOf = (alert: string) => String(all.find(r => r.alert === alert)?.expr ?? "");
		expect(exprOf("ShopDeadLettersPresent")).toMatch(/shop_rabbitmq_queue_messages\{kind="dead_letter"\}/);
		expect(exprOf("ShopOutboxBacklogGrowing")).toMatch(/deriv\(shop_outbox_pending\[/);
		expect(exprOf("ShopQueueBacklogGrowing")).toMatch(/deriv\(shop_rabbitmq_queue_messages\{kind="work"\}\[/);
		expect(exprOf("ShopKafkaLagGrowing")).toMatch(/deriv\(shop_kafka_consumer_lag\[/);
		expect(exprOf("ShopCheckoutSlow")).toMatch(/histogram_quantile\(0\.99, .*shop_checkout_duration_seconds_bucket/);
		expect(exprOf("ShopNodeDown")).toMatch(/up\{job="shop"\} == 0/);
	});

	it("read only metrics of the shop (or Prometheus's own up)", () => {
		for (const name of metricsUsed()) expect(name).toMatch(/^(shop|moleculer|process|os)_/);
	});

	(PROMTOOL ? it : inCI ? it : it.skip)("pass `promtool check rules`, and promtool catches a broken rule", async () => {
		if (!PROMTOOL) throw new Error("promtool is not installed (apt-get install prometheus), and CI=true forbids skipping");
		const ok = await promtool("check", "rules", RULES_FILE);
		expect(ok.out).toMatch(/SUCCESS: \d+ rules found/);
		expect(ok.code).toBe(0);

		const broken = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "rules-")), "broken.yml");
		fs.writeFileSync(
			broken,
			fs
				.readFileSync(RULES_FILE, "utf8")
				.replace("max by (queue) (shop_rabbitmq_queue_consumers) == 0", "max by (queue (shop_rabbitmq_queue_consumers) == 0")
		);
		const bad = await promtool("check", "rules", broken);
		expect(bad.code).not.toBe(0);
		fs.rmSync(path.dirname(broken), { recursive: true, force: true });
	});

	(PROMTOOL ? it : inCI ? it : it.skip)("fire as their unit tests expect (`promtool test rules`)", async () => {
		if (!PROMTOOL) throw new Error("promtool is not installed (apt-get install prometheus), and CI=true forbids skipping");
		const tested = await promtool("test", "rules", path.join(path.dirname(RULES_FILE), "alerts.test.yml"));
		expect(tested.out).toMatch(/SUCCESS/);
		expect(tested.code).toBe(0);
	});

	(PROMTOOL ? it : inCI ? it : it.skip)("are loaded by the example configuration, which passes `promtool check config`", async () => {
		if (!PROMTOOL) throw new Error("promtool is not installed (apt-get install prometheus), and CI=true forbids skipping");
		// Checked where its token file exists, as an operator's Prometheus would have it.
		const dir = fs.mkdtempSync(path.join(os.tmpdir(), "prometheus-"));
		try {
			for (const file of [CONFIG_FILE, RULES_FILE]) fs.copyFileSync(file, path.join(dir, path.basename(file)));
			fs.writeFileSync(path.join(dir, "shop-metrics-token"), "a-token\n");
			const checked = await promtool("check", "config", path.join(dir, "prometheus.yml"));
			expect(checked.out).toMatch(/SUCCESS: \d+ rules found/);
			expect(checked.code).toBe(0);
		} finally {
			fs.rmSync(dir, { recursive: true, force: true });
		}
	});
});
