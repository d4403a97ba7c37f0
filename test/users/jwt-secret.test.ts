/** Without JWT_SECRET in production the users service refuses to start (and so does its node). */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createBroker } from "../../create-broker";

describe("users service and JWT_SECRET", () => {
	const saved = {
		NODE_ENV: process.env.NODE_ENV,
		JWT_SECRET: process.env.JWT_SECRET,
		DATA_DIR: process.env.DATA_DIR,
		LOG_LEVEL: process.env.LOG_LEVEL
	};
	let dataDir: string;

	beforeEach(() => {
		dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "shop-users-jwt-"));
		process.env.DATA_DIR = dataDir;
		// The refused start is logged as an error by the broker; that is the expected outcome here.
		process.env.LOG_LEVEL = "fatal";
	});

	afterEach(() => {
		for (const [k, v] of Object.entries(saved)) {
			if (v === undefined) delete process.env[k];
			else process.env[k] = v;
		}
		fs.rmSync(dataDir, { recursive: true, force: true });
	});

	async function startUsersNode(): Promise<void> {
		const broker = createBroker({ nodeID: `jwt-${process.pid}-${Date.now()}` }, ["users"]);
		try {
			await broker.start();
		} finally {
			await broker.stop().catch(() => undefined);
		}
	}

	it("fails to start with NODE_ENV=production and no JWT_SECRET", async () => {
		process.env.NODE_ENV = "production";
		delete process.env.JWT_SECRET;
		await expect(startUsersNode()).rejects.toThrow(/JWT_SECRET/);
	});

	it("starts with NODE_ENV=production and a JWT_SECRET", async () => {
		process.env.NODE_ENV = "production";
		process.env.JWT_SECRET = "a-production-secret-for-this-test";
		await expect(startUsersNode()).resolves.toBeUndefined();
	});
});
