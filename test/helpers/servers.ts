/**
 * Tests that need a real server (PostgreSQL, NATS, Redis, RabbitMQ) skip with a one-line reason
 * when it is absent on a laptop, and fail when CI=true, so CI can never pass by skipping.
 * test/global-setup.js probes the servers once and leaves the answer in the environment.
 */
export const inCI = process.env.CI === "true";

export function serverUp(host: string, port: number): boolean {
	return process.env[`TEST_SERVER_${host.replace(/\W/g, "_")}_${port}`] === "up";
}

/** `describe` when the server answers; otherwise a skip with a printed reason, or a failure in CI. */
export function describeWithServer(name: string, host: string, port: number): jest.Describe {
	if (serverUp(host, port)) return describe;
	if (inCI) {
		return ((title: string) =>
			describe(title, () => {
				it(`needs ${name} on ${host}:${port}`, () => {
					throw new Error(`${name} is not reachable on ${host}:${port}, and CI=true forbids skipping`);
				});
			})) as unknown as jest.Describe;
	}
	console.warn(`skipped: ${name} is not reachable on ${host}:${port}`);
	return describe.skip;
}
