/**
 * The tests' environment: Node's, with what a test writes to the console (the brokers' log lines
 * among it) held back and printed only when that test fails. A test that triggers an error path on
 * purpose prints nothing when it passes; a failing test shows every line it wrote, in order. Lines
 * written outside any test (beforeAll/afterAll: starting and stopping stacks) are held for the file
 * and printed when one of its tests or hooks failed. A test reads its own lines with
 * `capturedLogs()` (test/helpers/logs.ts). TEST_LOGS=all prints every line as it comes, as before.
 * Node's notice that node:sqlite (the embedded store) is experimental is left out: it is known, and
 * no test's; every other process warning is printed as Node prints it.
 */
const { format } = require("node:util");
const { TestEnvironment } = require("jest-environment-node");

const METHODS = ["log", "info", "warn", "error", "debug"];

const SQLITE_NOTICE = /^SQLite is an experimental feature/;
const NOTICE_FILTERED = Symbol.for("shop.test.sqliteNoticeFiltered");

/** Once per process (a worker runs many test files): Node's own warning printers, minus the SQLite notice. */
function filterSqliteNotice() {
	if (process[NOTICE_FILTERED]) return;
	process[NOTICE_FILTERED] = true;
	const printers = process.listeners("warning");
	process.removeAllListeners("warning");
	process.on("warning", warning => {
		if (warning.name === "ExperimentalWarning" && SQLITE_NOTICE.test(warning.message)) return;
		for (const print of printers) print(warning);
	});
}

class HeldLogsEnvironment extends TestEnvironment {
	async setup() {
		await super.setup();
		filterSqliteNotice();
		// Jest gives the environment its console after constructing it, before setup().
		const console = this.global.console;
		const passThrough = process.env.TEST_LOGS === "all";
		this.print = {};
		this.fileLines = [];
		this.testLines = null;
		this.failed = false;
		for (const method of METHODS) {
			const write = console[method].bind(console);
			this.print[method] = write;
			console[method] = (...args) => {
				(this.testLines ?? this.fileLines).push([method, args]);
				if (passThrough) write(...args);
			};
		}
		this.passThrough = passThrough;
		this.global.__capturedLogs = () => (this.testLines ?? []).map(([, args]) => format(...args));
	}

	handleTestEvent(event) {
		switch (event.name) {
			case "test_start":
				this.testLines = [];
				break;
			case "test_done": {
				const lines = this.testLines ?? [];
				this.testLines = null;
				if (event.test.errors.length > 0) {
					this.failed = true;
					this.flush(lines);
				}
				break;
			}
			case "hook_failure":
				this.failed = true;
				break;
			case "run_finish":
				if (this.failed) this.flush(this.fileLines);
				this.fileLines = [];
				break;
		}
	}

	flush(lines) {
		if (this.passThrough) return;
		for (const [method, args] of lines) this.print[method](...args);
	}
}

module.exports = HeldLogsEnvironment;
