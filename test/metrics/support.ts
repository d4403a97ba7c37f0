/**
 * The metric names the operator's files use (the Grafana dashboard's queries, the Prometheus alert
 * rules' expressions) and those a node's /metrics exports, so tests can hold one against the other.
 */
import fs from "node:fs";
import path from "node:path";
import yaml from "js-yaml";

const ROOT = path.resolve(__dirname, "../..");
export const DASHBOARD_FILE = path.join(ROOT, "deploy/grafana/shop-dashboard.json");
export const RULES_FILE = path.join(ROOT, "deploy/prometheus/alerts.yml");

/** Series Prometheus makes itself (scrape health), which no node exports. */
export const PROMETHEUS_OWN = new Set(["up"]);

const KEYWORDS = new Set([
	"by",
	"without",
	"on",
	"ignoring",
	"group_left",
	"group_right",
	"and",
	"or",
	"unless",
	"bool",
	"offset",
	"inf",
	"nan"
]);

/** The metric names a PromQL expression reads: identifiers that are neither functions, keywords, label names nor values. */
export function metricNamesIn(expr: string): string[] {
	const bare = expr
		.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""') // label values and other strings
		.replace(/\{[^}]*\}/g, " ") // label matchers
		.replace(/\[[^\]]*\]/g, " ") // ranges and subqueries
		.replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ") // grouping labels
		.replace(/\$\{?\w+\}?/g, " "); // Grafana variables
	const names = new Set<string>();
	for (const m of bare.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
		const after = bare.slice(m.index! + m[0].length).trimStart();
		const before = bare.slice(0, m.index!);
		if (after.startsWith("(") || KEYWORDS.has(m[0].toLowerCase())) continue;
		// Part of a number such as 1e3.
		if (/[0-9.]$/.test(before)) continue;
		names.add(m[0]);
	}
	return [...names];
}

export interface Dashboard {
	uid: string;
	title: string;
	templating: { list: Array<{ name: string; type: string }> };
	panels: Array<{
		id: number;
		type: string;
		title: string;
		gridPos: { x: number; y: number; w: number; h: number };
		datasource?: { uid: string };
		targets?: Array<{ refId: string; expr: string }>;
	}>;
}

export interface RuleFile {
	groups: Array<{
		name: string;
		rules: Array<{
			alert?: string;
			record?: string;
			expr: string;
			for?: string;
			labels?: Record<string, string>;
			annotations?: Record<string, string>;
		}>;
	}>;
}

export const loadDashboard = (): Dashboard => JSON.parse(fs.readFileSync(DASHBOARD_FILE, "utf8"));
export const loadRules = (): RuleFile => yaml.load(fs.readFileSync(RULES_FILE, "utf8")) as RuleFile;

export function dashboardExprs(d: Dashboard = loadDashboard()): string[] {
	return d.panels.flatMap(p => (p.targets ?? []).map(t => t.expr));
}

export function ruleExprs(r: RuleFile = loadRules()): string[] {
	return r.groups.flatMap(g => g.rules.map(rule => String(rule.expr)));
}

/** Every metric the dashboard and the rules read, Prometheus's own series left out. */
export function metricsUsed(): string[] {
	const names = new Set([...dashboardExprs(), ...ruleExprs()].flatMap(metricNamesIn));
	return [...names].filter(n => !PROMETHEUS_OWN.has(n)).sort();
}

/** The series names a /metrics text exports (a histogram with its _bucket, _sum and _count). */
export function exportedNames(text: string): Set<string> {
	const names = new Set<string>();
	for (const line of text.split("\n")) {
		const type = /^# TYPE (\S+) (\S+)/.exec(line);
		if (type) {
			names.add(type[1]!);
			if (type[2] === "histogram") for (const suffix of ["_bucket", "_sum", "_count"]) names.add(type[1] + suffix);
		} else if (line && !line.startsWith("#")) names.add(line.split(/[{ ]/)[0]!);
	}
	return names;
}

/** The samples of `metric` whose labels include all of `labels`. */
function samples(text: string, metric: string, labels: Record<string, string>): string[] {
	return text
		.split("\n")
		.filter(l => l.startsWith(`${metric}{`) || l.startsWith(`${metric} `))
		.filter(l => Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)));
}

/** The value of the one sample of `metric` whose labels include all of `labels` (0 when there is none). */
export function sample(text: string, metric: string, labels: Record<string, string> = {}): number {
	const lines = samples(text, metric, labels);
	if (lines.length > 1) throw new Error(`${lines.length} samples of ${metric} match ${JSON.stringify(labels)}:\n${lines.join("\n")}`);
	return lines.length ? Number(lines[0]!.split(" ").pop()) : 0;
}

/** The sum of the samples of `metric` whose labels include all of `labels`, as PromQL's sum() would add them. */
export function total(text: string, metric: string, labels: Record<string, string> = {}): number {
	return samples(text, metric, labels).reduce((sum, l) => sum + Number(l.split(" ").pop()), 0);
}
