/**
 * A closed bus on Redis as the transporter: a redis-server started here with `requirepass`. Nodes
 * built from the real broker options with TRANSPORTER_PASSWORD form a cluster and call each other;
 * a real node process without it is refused and never appears in the cluster.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { ServiceBroker, type Context } from "moleculer";
import { brokerOptions } from "../../moleculer.config";
import { freePort, startNode, waitFor, type NodeProcess } from "../helpers/processes";
import { inCI } from "../helpers/servers";

jest.setTimeout(60_000);

function redisServerBinary(): string | null {
	for (const dir of [...(process.env.PATH ?? "").split(path.delimiter), "/usr/sbin"]) {
		const file = path.join(dir, "redis-server");
		if (dir && fs.existsSync(file)) return file;
	}
	return null;
}

const binary = redisServerBinary();
const describeWithRedisServer: jest.Describe = binary
	? describe
	: inCI
		? (((title: string) =>
				describe(title, () => {
					it("needs redis-server", () => {
						throw new Error("redis-server is not installed, and CI=true forbids skipping");
					});
				})) as unknown as jest.Describe)
		: (console.warn("skipped: redis-server is not installed"), describe.skip);

describeWithRedisServer("a Redis transporter with a password", () => {
	const namespace = `rbus-${process.pid}-${Date.now().toString(36)}`;
	const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "shop-redis-auth-"));
	let url: string;
	let server: ReturnType<typeof spawn>;
	const brokers: ServiceBroker[] = [];
	let intruder: NodeProcess | undefined;

	beforeAll(async () => {
		const port = await freePort();
		// No persistence: the server lives for this test only.
		server = spawn(
			binary!,
			["--port", String(port), "--bind", "127.0.0.1", "--requirepass", "bus-secret", "--save", "", "--appendonly", "no"],
			{
				stdio: "ignore"
			}
		);
		url = `redis://127.0.0.1:${port}`;
		await waitFor("redis-server to listen", async () => {
			return new Promise<boolean>(resolve => {
				const s = net.connect({ host: "127.0.0.1", port }, () => (s.destroy(), resolve(true)));
				s.once("error", () => resolve(false));
			});
		});
	});

	afterAll(async () => {
		await intruder?.stop("SIGKILL");
		await Promise.all(brokers.map(b => b.stop()));
		server?.kill("SIGTERM");
		fs.rmSync(tmp, { recursive: true, force: true });
	});

	async function startBrokerNode(name: string): Promise<ServiceBroker> {
		const options = brokerOptions({
			TRANSPORTER: url,
			TRANSPORTER_PASSWORD: "bus-secret",
			NAMESPACE: namespace,
			LOG_LEVEL: "error",
			LOG_SHIP_LEVEL: "off"
		});
		const broker = new ServiceBroker({ ...options, nodeID: `${namespace}-${name}` });
		broker.createService({
			name: `echo-${name}`,
			actions: { hello: { params: {}, handler: (ctx: Context) => ({ answeredBy: broker.nodeID, caller: ctx.nodeID }) } }
		});
		brokers.push(broker);
		let timer: NodeJS.Timeout | undefined;
		const failed = new Promise<never>((_, reject) => {
			timer = setTimeout(() => reject(new Error(`${name} did not connect to the bus (its error is logged above)`)), 15_000);
		});
		await Promise.race([broker.start(), failed]).finally(() => clearTimeout(timer));
		return broker;
	}

	it("nodes with TRANSPORTER_PASSWORD form the cluster; one without it is refused (NOAUTH) and never joins", async () => {
		intruder = startNode("intruder", {
			TRANSPORTER: url,
			NAMESPACE: namespace,
			SERVICES: "products",
			NODE_ID: `${namespace}-intruder`,
			DATA_DIR: fs.mkdtempSync(path.join(tmp, "intruder-"))
		});
		const [a, b] = await Promise.all([startBrokerNode("a"), startBrokerNode("b")]);
		await Promise.all([a.waitForServices("echo-b", 10_000), b.waitForServices("echo-a", 10_000)]);
		expect(await a.call("echo-b.hello")).toEqual({ answeredBy: b.nodeID, caller: a.nodeID });
		expect(await b.call("echo-a.hello")).toEqual({ answeredBy: a.nodeID, caller: b.nodeID });

		await waitFor("the intruder to be refused", async () => /NOAUTH/.test(intruder!.output()), 30_000);
		expect(intruder.child.exitCode).toBeNull();
		expect(a.registry.nodes.get(`${namespace}-intruder`)).toBeFalsy();
		expect(a.registry.getServiceList({}).map(s => s.name)).not.toContain("products");
	});
});
