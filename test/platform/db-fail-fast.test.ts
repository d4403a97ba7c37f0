/**
 * A service whose database cannot be reached must stop the node at once with one clear line
 * naming the URI (password masked), instead of hanging in broker.start().
 */
import { startNode } from "../helpers/processes";

jest.setTimeout(60_000);

describe("unreachable database at start", () => {
	it.each([
		["PostgreSQL", "postgres://shop:s3cret-pw@127.0.0.1:1/shop", "postgres://shop:***@127.0.0.1:1/shop"],
		["MongoDB", "mongodb://shop:s3cret-pw@127.0.0.1:1/shop", "mongodb://shop:***@127.0.0.1:1/shop"]
	])("%s: the node exits with a clear error naming the masked URI", async (_label, uri, masked) => {
		const started = Date.now();
		const node = startNode("products", { SERVICES: "products", PRODUCTS_DB_URI: uri, DB_CONNECT_TIMEOUT_MS: "2000" });
		const code = await node.exited;
		expect(code).toBe(1);
		expect(Date.now() - started).toBeLessThan(30_000);
		const out = node.output();
		expect(out).toContain(`Service "products" cannot reach its database ${masked}`);
		expect(out).not.toContain("s3cret-pw");
	});
});
