/** The start of a service in production on an unreachable database: one clear line, fast, password masked. */
import { prepareServiceSchema, SchemaNotReadyError } from "../../lib/migrations/schema-gate";

describe("schema gate at start", () => {
	const saved = { NODE_ENV: process.env.NODE_ENV, DB_CONNECT_TIMEOUT_MS: process.env.DB_CONNECT_TIMEOUT_MS };
	afterEach(() => {
		for (const [k, v] of Object.entries(saved)) {
			if (v === undefined) delete process.env[k];
			else process.env[k] = v;
		}
	});
	const quiet = { info: () => undefined };

	it.each([
		["PostgreSQL", "postgres://shop:s3cret-pw@127.0.0.1:1/shop", "postgres://shop:***@127.0.0.1:1/shop"],
		["MongoDB", "mongodb://shop:s3cret-pw@127.0.0.1:1/shop", "mongodb://shop:***@127.0.0.1:1/shop"]
	])("%s unreachable in production: fails within the connect timeout, naming the masked URI", async (_label, uri, masked) => {
		process.env.NODE_ENV = "production";
		process.env.DB_CONNECT_TIMEOUT_MS = "1000";
		const started = Date.now();
		const failure = await prepareServiceSchema("orders", uri, quiet).catch((err: Error) => err);
		expect(failure).toBeInstanceOf(SchemaNotReadyError);
		expect((failure as Error).message).toContain(`Service "orders" cannot prepare its database ${masked}`);
		expect((failure as Error).message).not.toContain("s3cret-pw");
		expect(Date.now() - started).toBeLessThan(10_000);
	});

	it("does nothing outside production or on the embedded store", async () => {
		process.env.NODE_ENV = "test";
		await expect(prepareServiceSchema("orders", "postgres://shop@127.0.0.1:1/shop", quiet)).resolves.toBeUndefined();
		process.env.NODE_ENV = "production";
		await expect(prepareServiceSchema("orders", null, quiet)).resolves.toBeUndefined();
	});

	it("refuses a service no migration creates tables for", async () => {
		process.env.NODE_ENV = "production";
		await expect(prepareServiceSchema("warehouse", "postgres://shop@127.0.0.1:1/shop", quiet)).rejects.toThrow(
			'Service "warehouse": no migration creates its tables'
		);
	});
});
