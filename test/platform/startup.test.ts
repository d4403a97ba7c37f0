/** How a node process starts and stops, as an operator sees it. */
import { startNode } from "../helpers/processes";

jest.setTimeout(60_000);

describe("node start-up", () => {
	it("refuses to start in production without JWT_SECRET", async () => {
		const node = startNode("all", { NODE_ENV: "production", JWT_SECRET: "", PORT: "0" });
		expect(await node.exited).toBe(1);
		expect(node.output()).toContain("JWT_SECRET must be set");
	});

	it("refuses an unknown name in SERVICES", async () => {
		const node = startNode("bad", { SERVICES: "products,warehouse", PORT: "0" });
		expect(await node.exited).toBe(1);
		expect(node.output()).toContain('Unknown service "warehouse"');
	});
});
