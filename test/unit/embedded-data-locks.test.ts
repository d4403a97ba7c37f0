/**
 * Which directories a node locks (lib/broker/embedded-data-locks.ts): DATA_DIR/<service> of each
 * local service that keeps data on the embedded store; none for a database URI or ":memory:".
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createBroker } from "../../create-broker";
import { embeddedDataDirs, lockEmbeddedData } from "../../lib/broker/embedded-data-locks";
import { DataDirLockedError, LOCK_FILE } from "../../lib/data-dir-lock";

const saved = { DATA_DIR: process.env.DATA_DIR, PRODUCTS_DB_URI: process.env.PRODUCTS_DB_URI, DB_URI: process.env.DB_URI };
let dataDir: string;

const broker = () => createBroker({ nodeID: `locks-${process.pid}`, logger: false }, ["api", "products", "inventory"]);

beforeEach(() => {
	dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "shop-locks-"));
	process.env.DATA_DIR = dataDir;
	delete process.env.PRODUCTS_DB_URI;
	delete process.env.DB_URI;
});

afterEach(() => {
	for (const [k, v] of Object.entries(saved)) {
		if (v === undefined) delete process.env[k];
		else process.env[k] = v;
	}
	fs.rmSync(dataDir, { recursive: true, force: true });
});

describe("embedded data locks of a node", () => {
	it("are the directories of its services on the embedded store, not of those with a database URI or no data", () => {
		expect(embeddedDataDirs(broker())).toEqual([path.join(dataDir, "products"), path.join(dataDir, "inventory")]);
		process.env.PRODUCTS_DB_URI = "postgres://postgres@127.0.0.1:5432/test";
		expect(embeddedDataDirs(broker())).toEqual([path.join(dataDir, "inventory")]);
		process.env.DATA_DIR = ":memory:";
		expect(embeddedDataDirs(broker())).toEqual([]);
	});

	it("are all taken or none: a directory held elsewhere gives back those already taken", () => {
		fs.mkdirSync(path.join(dataDir, "inventory"));
		// The parent of this test process: alive, and not this process.
		fs.writeFileSync(path.join(dataDir, "inventory", LOCK_FILE), JSON.stringify({ pid: process.ppid, startedAt: "then" }));
		expect(() => lockEmbeddedData(broker())).toThrow(DataDirLockedError);
		expect(fs.existsSync(path.join(dataDir, "products", LOCK_FILE))).toBe(false);

		fs.rmSync(path.join(dataDir, "inventory", LOCK_FILE));
		const locks = lockEmbeddedData(broker());
		expect(locks.dirs).toHaveLength(2);
		expect(fs.existsSync(path.join(dataDir, "products", LOCK_FILE))).toBe(true);
		locks.release();
		expect(fs.existsSync(path.join(dataDir, "products", LOCK_FILE))).toBe(false);
		expect(fs.existsSync(path.join(dataDir, "inventory", LOCK_FILE))).toBe(false);
	});
});
