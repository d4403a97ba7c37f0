/**
 * How the benchmarks print: one line per figure as it is measured, and at the end a summary block
 * (a Markdown table with the machine and the settings) that can be pasted into the docs as it is.
 */
import os from "node:os";

const rows: Array<{ scenario: string; figures: string }> = [];

/** Prints one figure now. */
export function say(scenario: string, text: string): void {
	console.log(`${scenario}: ${text}`);
}

/** Keeps a row for the summary block without printing it (its figures were printed already). */
export function keep(scenario: string, figures: string): void {
	rows.push({ scenario, figures });
}

/** Keeps a row for the summary block and prints it now. */
export function summarize(scenario: string, figures: string): void {
	keep(scenario, figures);
	say(scenario, figures);
}

/** 12345.6 -> "12,346" */
export function num(n: number | null | undefined, digits = 0): string {
	if (n === null || n === undefined || !Number.isFinite(n)) return "n/a";
	return n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function mib(bytes: number | null | undefined): string {
	return bytes === null || bytes === undefined ? "n/a" : `${num(bytes / 2 ** 20, 1)} MiB`;
}

export function median(values: number[]): number {
	const s = [...values].sort((a, b) => a - b);
	return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** "min 12 / median 15 / max 40 ms" over the runs (the settings line says how many). */
export function spread(values: number[], unit: string, digits = 0): string {
	if (values.length < 2) return `${num(values[0], digits)} ${unit}`;
	return `min ${num(Math.min(...values), digits)} / median ${num(median(values), digits)} / max ${num(Math.max(...values), digits)} ${unit}`;
}

/** The machine as it is now: load average and CPUs. */
export function machine(): string {
	const [l1, l5] = os.loadavg();
	return `${os.cpus().length} CPUs, load average ${l1.toFixed(1)} (1 min) / ${l5.toFixed(1)} (5 min), Node ${process.version}`;
}

/** A Markdown table, columns padded to their widest cell. */
export function markdownTable(headers: string[], table: string[][]): string[] {
	const widths = headers.map((h, i) => Math.max(3, h.length, ...table.map(r => (r[i] ?? "").length)));
	const line = (cells: string[]) => `| ${widths.map((w, i) => (cells[i] ?? "").padEnd(w)).join(" | ")} |`;
	return [line(headers), line(widths.map(w => "-".repeat(w))), ...table.map(line)];
}

/**
 * The summary block: a title, when, where and how it ran, then the given table or else the rows
 * kept by summarize().
 */
export function printSummary(title: string, settings: string, startedMachine: string, table?: string[]): void {
	const lines = [
		`### ${title}`,
		"",
		`${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC; ${settings}.`,
		`Machine at the start: ${startedMachine}; at the end: ${machine()}.`,
		"",
		...(table ??
			markdownTable(
				["scenario", "figures"],
				rows.map(r => [r.scenario, r.figures])
			))
	];
	console.log(`\n----- summary -----\n${lines.join("\n")}\n-------------------`);
}
