/**
 * A closed bus: nats-server instances started here with a user and password, with a token, and
 * with TLS. Nodes built from the real broker options (moleculer.config.ts) with the right
 * TRANSPORTER_* settings form a cluster and call each other; real node processes (server.ts) without
 * them, or with a wrong password, or without the CA, are refused and never appear in the cluster.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ServiceBroker, type Context } from "moleculer";
import { brokerOptions } from "../../moleculer.config";
import { natsServerBinary, startNatsServer, type NatsServer } from "../helpers/nats-server";
import { startNode, waitFor, type NodeProcess } from "../helpers/processes";
import { inCI } from "../helpers/servers";

jest.setTimeout(60_000);

function describeWhen(available: boolean, what: string): jest.Describe {
	if (available) return describe;
	if (inCI)
		return ((title: string) =>
			describe(title, () => {
				it(`needs ${what}`, () => {
					throw new Error(`${what} is not installed, and CI=true forbids skipping`);
				});
			})) as unknown as jest.Describe;
	console.warn(`skipped: ${what} is not installed`);
	return describe.skip;
}

function hasOpenssl(): boolean {
	try {
		execFileSync("openssl", ["version"], { stdio: "ignore" });
		return true;
	} catch {
		return false;
	}
}

const namespace = `bus-${process.pid}-${Date.now().toString(36)}`;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "shop-nats-auth-"));
const brokers: ServiceBroker[] = [];
const processes: NodeProcess[] = [];

/** A node built from the real broker options, with a service that says which node answered and who called. */
async function startBrokerNode(name: string, env: Record<string, string>): Promise<ServiceBroker> {
	const options = brokerOptions({ NAMESPACE: namespace, LOG_LEVEL: "error", LOG_SHIP_LEVEL: "off", ...env });
	// Without reconnection: a node that fails to connect must not go on trying after the test.
	const broker = new ServiceBroker({
		...options,
		nodeID: `${namespace}-${name}`,
		transit: { ...options.transit, disableReconnect: true }
	});
	broker.createService({
		name: `echo-${name}`,
		actions: {
			hello: {
				params: { from: "string" },
				handler: (ctx: Context<{ from: string }>) => ({ answeredBy: broker.nodeID, caller: ctx.nodeID, from: ctx.params.from })
			}
		}
	});
	brokers.push(broker);
	let timer: NodeJS.Timeout | undefined;
	const failed = new Promise<never>((_, reject) => {
		timer = setTimeout(() => reject(new Error(`${name} did not connect to the bus (its error is logged above)`)), 15_000);
	});
	await Promise.race([broker.start(), failed]).finally(() => clearTimeout(timer));
	return broker;
}

/** A real node process (server.ts, the products service) that should not get in. */
function startIntruder(name: string, env: Record<string, string>): NodeProcess {
	const p = startNode(name, {
		NAMESPACE: namespace,
		SERVICES: "products",
		NODE_ID: `${namespace}-${name}`,
		DATA_DIR: fs.mkdtempSync(path.join(tmp, `${name}-`)),
		...env
	});
	processes.push(p);
	return p;
}

/** Both nodes see each other and each calls the other's service over the bus. */
async function expectCluster(a: ServiceBroker, b: ServiceBroker) {
	const [aName, bName] = [a, b].map(x => x.nodeID.slice(namespace.length + 1));
	await Promise.all([a.waitForServices(`echo-${bName}`, 10_000), b.waitForServices(`echo-${aName}`, 10_000)]);
	expect(await a.call(`echo-${bName}.hello`, { from: aName })).toEqual({ answeredBy: b.nodeID, caller: a.nodeID, from: aName });
	expect(await b.call(`echo-${aName}.hello`, { from: bName })).toEqual({ answeredBy: a.nodeID, caller: b.nodeID, from: bName });
}

/** The intruder logged the server's refusal, is still outside, and the cluster never saw it. */
async function expectRefused(p: NodeProcess, refusal: RegExp, cluster: ServiceBroker) {
	await waitFor(`${p.name} to be refused`, async () => refusal.test(p.output()), 30_000);
	expect(p.child.exitCode).toBeNull(); // it keeps retrying rather than running alone
	expect(cluster.registry.nodes.get(`${namespace}-${p.name}`)).toBeFalsy();
	expect(cluster.registry.getServiceList({}).map(s => s.name)).not.toContain("products");
}

describeWhen(natsServerBinary() !== null, "nats-server")("a NATS bus with credentials", () => {
	const servers: NatsServer[] = [];
	// Nodes first, while their servers still answer; then the servers.
	afterAll(async () => {
		await Promise.all(processes.map(p => p.stop("SIGKILL")));
		await Promise.all(brokers.map(b => b.stop()));
		await Promise.all(servers.map(s => s.stop()));
		fs.rmSync(tmp, { recursive: true, force: true });
	});

	describe("user and password", () => {
		let server: NatsServer;
		beforeAll(async () => {
			server = await startNatsServer(["--user", "shop", "--pass", "bus-secret"]);
			servers.push(server);
		});

		it("nodes with the credentials form the cluster (TRANSPORTER_USER/_PASSWORD, or in the URL); one without them, or with a wrong password, is refused", async () => {
			const withUrlCredentials = server.url.replace("nats://", "nats://shop:bus-secret@");
			const noCredentials = startIntruder("anonymous", { TRANSPORTER: server.url });
			const wrongPassword = startIntruder("guesser", {
				TRANSPORTER: server.url,
				TRANSPORTER_USER: "shop",
				TRANSPORTER_PASSWORD: "guess"
			});
			const [a, b] = await Promise.all([
				startBrokerNode("pw-a", { TRANSPORTER: server.url, TRANSPORTER_USER: "shop", TRANSPORTER_PASSWORD: "bus-secret" }),
				startBrokerNode("pw-b", { TRANSPORTER: withUrlCredentials })
			]);
			await expectCluster(a, b);
			await expectRefused(noCredentials, /Authorization Violation/, a);
			await expectRefused(wrongPassword, /Authorization Violation/, a);
		});
	});

	describe("token", () => {
		it("nodes with TRANSPORTER_TOKEN form the cluster", async () => {
			const server = await startNatsServer(["--auth", "bus-token"]);
			servers.push(server);
			const env = { TRANSPORTER: server.url, TRANSPORTER_TOKEN: "bus-token" };
			const [a, b] = await Promise.all([startBrokerNode("tok-a", env), startBrokerNode("tok-b", env)]);
			await expectCluster(a, b);
		});
	});

	describeWhen(hasOpenssl(), "openssl (to make the test's certificate)")("TLS", () => {
		let server: NatsServer;
		let caFile: string;
		beforeAll(async () => {
			// A self-signed certificate, its own CA (the NATS client checks an IP address's certificate as "localhost").
			caFile = path.join(tmp, "nats-cert.pem");
			const keyFile = path.join(tmp, "nats-key.pem");
			execFileSync(
				"openssl",
				[
					...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1"],
					...[
						"-keyout",
						keyFile,
						"-out",
						caFile,
						"-subj",
						"/CN=localhost",
						"-addext",
						"subjectAltName=DNS:localhost,IP:127.0.0.1"
					]
				],
				{ stdio: "pipe" }
			);
			server = await startNatsServer(["--tls", "--tlscert", caFile, "--tlskey", keyFile, "--user", "shop", "--pass", "bus-secret"]);
			servers.push(server);
		});

		it("nodes that trust the server's CA (TRANSPORTER_TLS_CA_FILE) form the cluster; one without it is refused", async () => {
			const credentials = { TRANSPORTER: server.url, TRANSPORTER_USER: "shop", TRANSPORTER_PASSWORD: "bus-secret" };
			const untrusting = startIntruder("untrusting", credentials);
			const env = { ...credentials, TRANSPORTER_TLS_CA_FILE: caFile };
			const [a, b] = await Promise.all([startBrokerNode("tls-a", env), startBrokerNode("tls-b", env)]);
			await expectCluster(a, b);
			await expectRefused(untrusting, /self[- ]signed certificate/i, a);
		});
	});
});
