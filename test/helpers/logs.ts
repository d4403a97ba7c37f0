/**
 * The console lines the running test has written so far, the brokers' log lines among them, as
 * test/environment.js holds them back (they are printed only if the test fails). For tests that
 * trigger an error path on purpose and check what it logged.
 */
export function capturedLogs(): string[] {
	const read = (globalThis as { __capturedLogs?: () => string[] }).__capturedLogs;
	if (!read) throw new Error("capturedLogs() needs the test environment of jest.config.js (test/environment.js)");
	return read();
}
