/**
 * Starts the real system in-process for a test: a broker built exactly as server.ts builds it,
 * the real gateway on a free port, data in a fresh temporary directory (or the given DB_URI).
 */
import fs from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import type { ServiceBroker, ServiceSchema } from "moleculer";
import { createBroker } from "../../create-broker";

export interface Stack {
	broker: ServiceBroker;
	baseUrl: string;
	dataDir: string;
	stop(): Promise<void>;
}

export interface StackOptions {
	/** Service names to run; all when omitted. */
	services?: string[];
	/** Extra environment for this stack (DB_URI, ADMIN_PASSWORD, ...), applied before services are created. */
	env?: Record<string, string | undefined>;
	/** Test-only services (event probes, fakes) created on the same broker before it starts. */
	extraServices?: ServiceSchema[];
}

export async function startStack(opts: StackOptions = {}): Promise<Stack> {
	const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "shop-test-"));
	const env: Record<string, string | undefined> = { PORT: "0", HOST: "127.0.0.1", DATA_DIR: dataDir, ...opts.env };
	const saved: Record<string, string | undefined> = {};
	for (const [k, v] of Object.entries(env)) {
		saved[k] = process.env[k];
		if (v === undefined) delete process.env[k];
		else process.env[k] = v;
	}
	const restoreEnv = () => {
		for (const [k, v] of Object.entries(saved)) {
			if (v === undefined) delete process.env[k];
			else process.env[k] = v;
		}
	};
	const broker = createBroker({ nodeID: `test-${process.pid}-${Math.random().toString(36).slice(2, 8)}` }, opts.services ?? []);
	for (const schema of opts.extraServices ?? []) broker.createService(schema);
	try {
		await broker.start();
	} catch (err) {
		await broker.stop().catch(() => undefined);
		restoreEnv();
		fs.rmSync(dataDir, { recursive: true, force: true });
		throw err;
	}
	// moleculer-web keeps its HTTP server on the service.
	const api = broker.getLocalService("api");
	const server = api && "server" in api ? (api.server as Server) : undefined;
	const baseUrl = server ? `http://127.0.0.1:${(server.address() as AddressInfo).port}` : "";
	return {
		broker,
		baseUrl,
		dataDir,
		async stop() {
			await broker.stop();
			restoreEnv();
			fs.rmSync(dataDir, { recursive: true, force: true });
		}
	};
}
