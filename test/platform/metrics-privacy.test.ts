/**
 * /metrics over the real gateway tells nothing about the host: no host name, OS user, home
 * directory, network or MAC address, process argument (all collected by Moleculer, none exported),
 * and the default node ID (`<hostname>-<pid>`) masked; numeric figures and the request metrics stay.
 * With METRICS_TOKEN, the gateway route and the METRICS_PORT server both need it.
 */
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import type { ServiceBroker } from "moleculer";
import { createBroker } from "../../create-broker";
import { brokerOptions } from "../../moleculer.config";
import { client } from "../helpers/http";

jest.setTimeout(60_000);

/** A broker built as server.ts builds it, with Moleculer's default node ID and process metrics on (off under NODE_ENV=test). */
async function startGateway(env: Record<string, string>): Promise<{ broker: ServiceBroker; baseUrl: string; stop(): Promise<void> }> {
	const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "shop-metrics-"));
	const all: Record<string, string> = { PORT: "0", HOST: "127.0.0.1", DATA_DIR: dataDir, ...env };
	const saved = Object.fromEntries(Object.keys(all).map(k => [k, process.env[k]]));
	Object.assign(process.env, all);
	const restore = () => {
		for (const [k, v] of Object.entries(saved))
			if (v === undefined) delete process.env[k];
			else process.env[k] = v;
	};
	const options = brokerOptions();
	const broker = createBroker({ metrics: { ...(options.metrics as object), collectProcessMetrics: true } }, ["api"]);
	await broker.start();
	const port = (broker.getLocalService("api") as unknown as { server: net.Server }).server.address() as net.AddressInfo;
	return {
		broker,
		baseUrl: `http://127.0.0.1:${port.port}`,
		async stop() {
			await broker.stop();
			restore();
			fs.rmSync(dataDir, { recursive: true, force: true });
		}
	};
}

/** Every label value of a Prometheus text. */
function labelValues(text: string): string[] {
	return [...text.matchAll(/[A-Za-z_]+="((?:[^"\\]|\\.)*)"/g)].map(m => m[1]);
}

function hostSecrets(): { short: string[]; long: string[] } {
	const user = os.userInfo();
	const interfaces = Object.values(os.networkInterfaces()).flatMap(list => list ?? []);
	const long = [
		user.homedir,
		...interfaces.map(i => i.address),
		...interfaces.map(i => i.mac).filter(mac => mac !== "00:00:00:00:00:00"),
		...process.argv
	].filter(s => s && s.length >= 3);
	return { short: [os.hostname(), user.username].filter(Boolean), long: [...new Set(long)] };
}

async function freePort(): Promise<number> {
	const server = net.createServer();
	await new Promise<void>(resolve => server.listen(0, "127.0.0.1", resolve));
	const { port } = server.address() as net.AddressInfo;
	await new Promise(resolve => server.close(resolve));
	return port;
}

describe("/metrics without host identity", () => {
	let gw: Awaited<ReturnType<typeof startGateway>>;
	beforeAll(async () => {
		gw = await startGateway({});
	});
	afterAll(() => gw?.stop());

	it("has no host name, user, home directory, address, MAC or process argument, though Moleculer collected them", async () => {
		// The registry holds them (so this test can fail): they are left out of the text, not just absent.
		const registry = gw.broker.metrics as unknown as { getMetric(name: string): { snapshot(): Array<{ value: unknown }> } | null };
		expect(registry.getMetric("os.hostname")?.snapshot()[0].value).toBe(os.hostname());
		expect(registry.getMetric("process.arguments")?.snapshot().length).toBe(process.argv.length);

		const api = client(gw.baseUrl);
		await api.get("/api/v1/metrics");
		const r = await api.get("/api/v1/metrics");
		expect(r.status).toBe(200);
		const text: string = r.body;

		const { short, long } = hostSecrets();
		const values = labelValues(text).map(v => v.toLowerCase());
		for (const secret of [...short, ...long]) {
			expect(values.filter(v => v.includes(secret.toLowerCase()))).toEqual([]);
		}
		for (const secret of long) expect(text.includes(secret) ? secret : null).toBeNull();
		expect(text).not.toMatch(/^(os_hostname|os_user_|os_network_|process_arguments|process_pid|os_cpu_info_model)/m);
		// Moleculer's default node ID is "<hostname>-<pid>": the label keeps the pid, not the name.
		expect(gw.broker.nodeID.toLowerCase()).toContain(os.hostname().toLowerCase());
		expect(text).toContain(`nodeID="host-${process.pid}"`);
	});

	it("keeps the numeric figures and the request metrics", async () => {
		const text: string = (await client(gw.baseUrl).get("/api/v1/metrics")).body;
		for (const figure of ["process_memory_heap_size_used", "process_memory_rss", "os_memory_free", "os_cpu_load_1", "process_uptime"])
			expect(text).toMatch(new RegExp(`^${figure}\\{[^}]*\\} \\d`, "m"));
		expect(text).toMatch(/^moleculer_request_total\{[^}]*action="api\.metrics"[^}]*\} [1-9]/m);
		expect(text).toMatch(/^moleculer_request_time_count\{[^}]*action="api\.metrics"[^}]*\} [1-9]/m);
	});
});

describe("/metrics with METRICS_TOKEN", () => {
	let gw: Awaited<ReturnType<typeof startGateway>>;
	let metricsPort: number;
	beforeAll(async () => {
		metricsPort = await freePort();
		gw = await startGateway({ METRICS_TOKEN: "scrape-secret-1", METRICS_PORT: String(metricsPort) });
	});
	afterAll(() => gw?.stop());

	it("answers 401 on the gateway without the token or with another one (a user's access token included), 200 with it", async () => {
		const api = client(gw.baseUrl);
		const attempts: Array<Record<string, string>> = [
			{},
			{ authorization: "Bearer wrong" },
			{ authorization: "Basic c2NyYXBlLXNlY3JldC0x" }
		];
		for (const headers of attempts) {
			const r = await api.get("/api/v1/metrics", { headers });
			expect(r.status).toBe(401);
			expect(r.body).toEqual({ error: expect.objectContaining({ code: 401, type: "INVALID_TOKEN" }) });
		}
		const ok = await api.get("/api/v1/metrics", { headers: { authorization: "Bearer scrape-secret-1" } });
		expect(ok.status).toBe(200);
		expect(ok.body).toMatch(/^# TYPE moleculer_/m);
	});

	it("asks for it on the METRICS_PORT server too, which serves the same host-free text", async () => {
		const url = `http://127.0.0.1:${metricsPort}/metrics`;
		const denied = await fetch(url);
		expect(denied.status).toBe(401);
		expect(denied.headers.get("www-authenticate")).toContain("Bearer");
		const ok = await fetch(url, { headers: { authorization: "Bearer scrape-secret-1" } });
		expect(ok.status).toBe(200);
		const text = await ok.text();
		expect(text).toMatch(/^process_memory_rss\{/m);
		expect(labelValues(text).filter(v => v.toLowerCase().includes(os.hostname().toLowerCase()))).toEqual([]);
		expect(text).not.toMatch(/^os_user_homedir/m);
	});
});
