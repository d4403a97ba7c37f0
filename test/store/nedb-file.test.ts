/**
 * The NeDB data-file reader on hand-written files: each shape NeDB 3 writes (appended states,
 * deletions, index lines, Dates) and what a crash or an older release leaves behind.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { readNedbFile } from "../../lib/store/nedb-file";

let dir: string;
beforeAll(() => {
	dir = fs.mkdtempSync(path.join(os.tmpdir(), "nedb-file-"));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

let fileNo = 0;
/** Writes the lines as NeDB does (each ended by "\n"), or with the last one's newline missing. */
function nedbFile(lines: string[], opts: { lastLineEnded?: boolean } = {}): string {
	const file = path.join(dir, `c${++fileNo}.db`);
	fs.writeFileSync(file, lines.join("\n") + (opts.lastLineEnded === false ? "" : "\n"));
	return file;
}

async function read(file: string) {
	const warnings: string[] = [];
	const result = await readNedbFile(file, { warn: m => warnings.push(m) });
	return { ...result, warnings };
}

describe("readNedbFile", () => {
	it("keeps the last state of each document: a later line with the same _id replaces the earlier one", async () => {
		const { docs, stats } = await read(
			nedbFile([
				'{"name":"Lamp","priceMinor":3990,"_id":"p1"}',
				'{"name":"Desk","priceMinor":24900,"_id":"p2"}',
				'{"name":"Lamp","priceMinor":3490,"tags":["led"],"_id":"p1"}'
			])
		);
		expect([...docs.keys()]).toEqual(["p1", "p2"]);
		expect(docs.get("p1")).toEqual({ name: "Lamp", priceMinor: 3490, tags: ["led"] });
		expect(docs.get("p2")).toEqual({ name: "Desk", priceMinor: 24900 });
		expect(stats).toMatchObject({ lines: 3, documentLines: 3, deletionLines: 0, corruptLines: 0, truncatedLastLine: false });
	});

	it("drops a document at its $$deleted line, and takes it back when a later line writes it again", async () => {
		const { docs, stats } = await read(
			nedbFile([
				'{"name":"Chair","_id":"p1"}',
				'{"name":"Pens","_id":"p2"}',
				'{"name":"Desk","_id":"p3"}',
				'{"$$deleted":true,"_id":"p1"}',
				'{"$$deleted":true,"_id":"p3"}',
				'{"name":"Desk again","_id":"p3"}',
				'{"$$deleted":true,"_id":"never-there"}'
			])
		);
		expect(Object.fromEntries(docs)).toEqual({ p2: { name: "Pens" }, p3: { name: "Desk again" } });
		expect(stats).toMatchObject({ documentLines: 4, deletionLines: 3 });
	});

	it("does not take index lines for documents", async () => {
		const { docs, stats, warnings } = await read(
			nedbFile([
				'{"$$indexCreated":{"fieldName":"sku","unique":true,"sparse":true}}',
				'{"sku":"A-1","_id":"p1"}',
				'{"$$indexCreated":{"fieldName":"category","unique":false,"sparse":false}}',
				'{"$$indexRemoved":"category"}'
			])
		);
		expect(Object.fromEntries(docs)).toEqual({ p1: { sku: "A-1" } });
		expect(stats).toMatchObject({ lines: 4, documentLines: 1, indexLines: 3, corruptLines: 0 });
		expect(warnings).toEqual([]);
	});

	it("decodes {$$date: ms} into an ISO string wherever it sits: field, nested object, array", async () => {
		const at = Date.UTC(2025, 0, 31, 12, 30, 15, 250);
		const { docs } = await read(
			nedbFile([
				`{"createdAt":{"$$date":${at}},"history":[{"at":{"$$date":${at + 1000}},"status":"paid"}],"meta":{"seen":{"$$date":0}},"_id":"o1"}`
			])
		);
		expect(docs.get("o1")).toEqual({
			createdAt: "2025-01-31T12:30:15.250Z",
			history: [{ at: "2025-01-31T12:30:16.250Z", status: "paid" }],
			meta: { seen: "1970-01-01T00:00:00.000Z" }
		});
	});

	it("leaves a plain string that mentions $$date alone", async () => {
		const { docs } = await read(nedbFile(['{"note":"the \\"$$date\\" key is NeDB\'s","_id":"n1"}']));
		expect(docs.get("n1")).toEqual({ note: 'the "$$date" key is NeDB\'s' });
	});

	it("decodes escaped U+2028/U+2029/U+0085 and keeps a line an older release wrote with them unescaped", async () => {
		const { docs, stats } = await read(
			nedbFile([
				'{"description":"LED lamp\\u2028with a dimmer\\u2029and\\u0085more","_id":"p1"}',
				'{"description":"raw\u2028separator\u2029and\u0085next","_id":"p2"}'
			])
		);
		expect(docs.get("p1")).toEqual({ description: "LED lamp\u2028with a dimmer\u2029and\u0085more" });
		expect(docs.get("p2")).toEqual({ description: "raw\u2028separator\u2029and\u0085next" });
		expect(stats.corruptLines).toBe(0);
	});

	it("skips a last line cut short by a crash, with a warning, and keeps everything before it", async () => {
		const { docs, stats, warnings } = await read(
			nedbFile(['{"name":"Desk","_id":"p1"}', '{"name":"Lamp","_id":"p2"}', '{"name":"Desk, renamed","_i'], { lastLineEnded: false })
		);
		expect(Object.fromEntries(docs)).toEqual({ p1: { name: "Desk" }, p2: { name: "Lamp" } });
		expect(stats).toMatchObject({ lines: 3, truncatedLastLine: true, corruptLines: 0 });
		expect(warnings).toEqual([expect.stringMatching(/last line \(3\) is cut short/)]);
	});

	it("keeps a complete last line whose newline is missing", async () => {
		const { docs, stats, warnings } = await read(
			nedbFile(['{"name":"Desk","_id":"p1"}', '{"name":"Lamp","_id":"p2"}'], { lastLineEnded: false })
		);
		expect([...docs.keys()]).toEqual(["p1", "p2"]);
		expect(stats.truncatedLastLine).toBe(false);
		expect(warnings).toEqual([]);
	});

	it("counts and names unreadable lines inside the file, and reads on", async () => {
		const { docs, stats, warnings } = await read(
			nedbFile([
				'{"name":"Desk","_id":"p1"}',
				'{"name":"Lamp",,"_id":"p2"}',
				"[1,2]",
				'{"name":"no id"}',
				'{"name":"Pens","_id":"p3"}\r',
				"",
				'{"name":"Desk, renamed","_id":"p1"}'
			])
		);
		expect(Object.fromEntries(docs)).toEqual({ p1: { name: "Desk, renamed" }, p3: { name: "Pens" } });
		expect(stats).toMatchObject({ lines: 6, documentLines: 3, corruptLines: 3, truncatedLastLine: false });
		expect(warnings).toEqual([
			expect.stringMatching(/line 2 skipped, not JSON/),
			expect.stringMatching(/line 3 skipped, not a JSON object/),
			expect.stringMatching(/line 4 skipped, neither a document/)
		]);
	});

	it("names the first ten unreadable lines, then gives the total", async () => {
		const { stats, warnings } = await read(
			nedbFile(Array.from({ length: 25 }, (_, i) => (i % 2 ? "garbage" : `{"n":${i},"_id":"d${i}"}`)))
		);
		expect(stats.corruptLines).toBe(12);
		expect(warnings).toHaveLength(11);
		expect(warnings[10]).toMatch(/12 unreadable lines skipped in all/);
	});

	it("reads a file of several megabytes whose lines (and multi-byte characters) straddle the read chunks", async () => {
		// 300 kB lines of 2- and 3-byte characters: with 1 MiB chunks, lines and characters are cut at the chunk edges.
		const lines: string[] = [];
		const expected = new Map<string, { text: string }>();
		for (let i = 0; i < 12; i++) {
			const text = `${i}:` + "é€".repeat(60_000 + i);
			expected.set(`d${i}`, { text });
			lines.push(JSON.stringify({ text, _id: `d${i}` }));
		}
		const file = nedbFile(lines);
		expect(fs.statSync(file).size).toBeGreaterThan(3 * 2 ** 20);
		const { docs, stats } = await read(file);
		expect(stats).toMatchObject({ lines: 12, corruptLines: 0, truncatedLastLine: false });
		expect(docs).toEqual(expected);
	});

	it("reads an empty file as no documents", async () => {
		const file = path.join(dir, "empty.db");
		fs.writeFileSync(file, "");
		const { docs, stats } = await read(file);
		expect(docs.size).toBe(0);
		expect(stats.lines).toBe(0);
	});

	it("rejects when the file cannot be read", async () => {
		await expect(readNedbFile(path.join(dir, "missing.db"))).rejects.toThrow(/ENOENT/);
	});
});
