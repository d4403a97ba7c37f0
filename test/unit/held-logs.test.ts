/**
 * The test environment (test/environment.js) holds back each test's console lines: a passing
 * test's are not printed, a failing test's are, and so are the file's own lines then; a test reads
 * its own lines with capturedLogs(). Node's SQLite notice is left out, other process warnings are not.
 */
import { execFile } from "node:child_process";
import path from "node:path";
import { capturedLogs } from "../helpers/logs";

const ROOT = path.join(__dirname, "..", "..");

function runFixture(env: Record<string, string> = {}): Promise<string> {
	return new Promise(resolve =>
		execFile(
			path.join(ROOT, "node_modules", ".bin", "jest"),
			["--testMatch", "**/test/fixtures/held-logs.fixture.ts", "--ci", "--colors=false"],
			{ cwd: ROOT, env: { ...process.env, ...env } },
			(_err, stdout, stderr) => resolve(stdout + stderr)
		)
	);
}

describe("held test logs", () => {
	let fixtureRun: Promise<string> | undefined;
	const fixtureOutput = () => (fixtureRun ??= runFixture());

	it("are read by the test that wrote them", () => {
		console.error("a line written on purpose");
		expect(capturedLogs()).toEqual(["a line written on purpose"]);
	});

	it("are printed for a failing test only, with the file's lines", async () => {
		const output = await fixtureOutput();
		expect(output).toMatch(/1 failed, 1 passed/);
		expect(output).toContain("line-of-a-failing-test");
		expect(output).toContain("file-line-before-all");
		expect(output).not.toContain("line-of-a-passing-test");
	}, 30_000);

	it("leave out Node's notice that node:sqlite is experimental, and print any other process warning", async () => {
		const output = await fixtureOutput();
		expect(output).toContain("fixture-warning-kept");
		expect(output).not.toContain("SQLite is an experimental feature");
	}, 30_000);

	it("are all printed with TEST_LOGS=all", async () => {
		const output = await runFixture({ TEST_LOGS: "all" });
		expect(output).toContain("line-of-a-passing-test");
		expect(output).toContain("line-of-a-failing-test");
	}, 30_000);
});
