/**
 * The Kubernetes manifests (deploy/k8s): both overlays rendered by `kubectl kustomize`, every object
 * validated against the Kubernetes API schemas (kubernetes-models), every service given a Deployment
 * in the split, every setting they name known to the configuration, the pods hardened, and the
 * probes' paths answered by the real app and the NATS configuration accepted by a real nats-server.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ServiceBroker } from "moleculer";
import { ConfigMap, PersistentVolumeClaim, Secret, Service } from "kubernetes-models/v1";
import { Deployment } from "kubernetes-models/apps/v1";
import { Job } from "kubernetes-models/batch/v1";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1";
import { SERVICE_NAMES } from "../../create-broker";
import { loadConfig } from "../../lib/config";
import { brokerOptions } from "../../moleculer.config";
import { startStack, type Stack } from "../helpers/stack";
import { freePort } from "../helpers/processes";
import { natsServerBinary, startNatsServer, type NatsServer } from "../helpers/nats-server";
import { inCI } from "../helpers/servers";
import { containerEnv, envNames, envValue, kubectlBinary, named, ofKind, podSpec, render, type K8sObject } from "./manifests";

jest.setTimeout(60_000);

const SCHEMAS: Record<string, { new (data: any): { validate(): void } }> = {
	"v1/ConfigMap": ConfigMap,
	"v1/Secret": Secret,
	"v1/Service": Service,
	"v1/PersistentVolumeClaim": PersistentVolumeClaim,
	"apps/v1/Deployment": Deployment,
	"batch/v1/Job": Job,
	"autoscaling/v2/HorizontalPodAutoscaler": HorizontalPodAutoscaler,
	"policy/v1/PodDisruptionBudget": PodDisruptionBudget,
	"networking.k8s.io/v1/NetworkPolicy": NetworkPolicy
};

function validate(object: K8sObject): void {
	const Model = SCHEMAS[`${object.apiVersion}/${object.kind}`];
	if (!Model) throw new Error(`No schema for ${object.apiVersion} ${object.kind} ${object.metadata.name}`);
	new Model(object).validate();
}

/** The variables docs/configuration.md documents (the backquoted name opening a table row). */
function documentedSettings(): Set<string> {
	const doc = fs.readFileSync(path.join(__dirname, "..", "..", "docs", "configuration.md"), "utf8");
	return new Set([...doc.matchAll(/^\|\s*`([A-Z][A-Z0-9_]*)`/gm)].map(m => m[1]));
}

const isKnownSetting = (documented: Set<string>, name: string) =>
	documented.has(name) || SERVICE_NAMES.some(s => name === `${s.toUpperCase()}_DB_URI`);

const appWorkloads = (objects: K8sObject[]) =>
	[...ofKind(objects, "Deployment"), ...ofKind(objects, "Job")].filter(w => podSpec(w).containers[0].image.startsWith("moleculer-shop"));

const labelsMatch = (selector: Record<string, string>, labels: Record<string, string>) =>
	Object.entries(selector).every(([k, v]) => labels[k] === v);

const kubectl = kubectlBinary();

function describeWithKubectl(): jest.Describe {
	if (kubectl) return describe;
	if (inCI)
		return ((title: string) =>
			describe(title, () => {
				it("needs kubectl", () => {
					throw new Error("kubectl is not installed (Debian: kubernetes-client), and CI=true forbids skipping");
				});
			})) as unknown as jest.Describe;
	console.warn("skipped: kubectl is not installed (Debian: kubernetes-client)");
	return describe.skip;
}

describeWithKubectl()("Kubernetes manifests (deploy/k8s)", () => {
	const overlays: Record<string, K8sObject[]> = {};
	beforeAll(() => {
		for (const overlay of ["all-in-one", "split"]) overlays[overlay] = render(kubectl!, overlay);
	});

	it("the schema check refuses a malformed object (so the checks below can fail)", () => {
		const deployment = structuredClone(named(overlays.split, "Deployment", "shop-users"));
		deployment.spec.template.spec.containers[0].ports[0].containerPort = "metrics";
		expect(() => validate(deployment)).toThrow(/containerPort/);
		expect(() => validate({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "x" }, spec: { replicas: "two" } })).toThrow();
	});

	describe.each(["all-in-one", "split"])("%s", overlay => {
		it("renders objects that are valid against the Kubernetes API schemas", () => {
			expect(overlays[overlay].length).toBeGreaterThan(5);
			for (const object of overlays[overlay]) expect(() => validate(object)).not.toThrow();
		});

		it("names only settings that the configuration documents, with values it accepts", () => {
			const documented = documentedSettings();
			for (const workload of appWorkloads(overlays[overlay]))
				for (const container of podSpec(workload).containers) {
					const unknown = envNames(overlays[overlay], container).filter(name => !isKnownSetting(documented, name));
					expect({ workload: workload.metadata.name, unknown }).toEqual({ workload: workload.metadata.name, unknown: [] });
					const env = containerEnv(overlays[overlay], container);
					expect(() => brokerOptions(env)).not.toThrow();
				}
			for (const nats of ofKind(overlays[overlay], "Deployment").filter(d => d.metadata.name === "shop-nats"))
				for (const e of podSpec(nats).containers[0].env ?? []) expect(isKnownSetting(documented, e.name)).toBe(true);
		});

		it("runs every pod as non-root on a read-only root filesystem, with requests and limits", () => {
			for (const workload of [...ofKind(overlays[overlay], "Deployment"), ...ofKind(overlays[overlay], "Job")]) {
				const spec = podSpec(workload);
				expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
				expect(spec.securityContext.runAsUser).toBeGreaterThan(0);
				expect(spec.automountServiceAccountToken).toBe(false);
				for (const c of spec.containers) {
					expect(c.securityContext).toEqual({
						allowPrivilegeEscalation: false,
						readOnlyRootFilesystem: true,
						capabilities: { drop: ["ALL"] }
					});
					for (const kind of ["requests", "limits"]) expect(Object.keys(c.resources[kind]).sort()).toEqual(["cpu", "memory"]);
				}
			}
		});

		it("gives the app a writable DATA_DIR and temporary directory, and time to drain on stop", () => {
			for (const workload of appWorkloads(overlays[overlay])) {
				const spec = podSpec(workload);
				const c = spec.containers[0];
				const mounts = Object.fromEntries(c.volumeMounts.map((m: any) => [m.mountPath, m.name]));
				expect(mounts["/tmp"]).toBeDefined();
				if (workload.kind === "Deployment") {
					expect(mounts[envValue(overlays[overlay], c, "DATA_DIR")!]).toBeDefined();
					const seconds = (name: string) => Number(envValue(overlays[overlay], c, name)) / 1000;
					const preStop = Number(c.lifecycle?.preStop?.exec?.command?.[1] ?? 0);
					// The gateway's drain, then the messaging drain, after the pause that lets endpoints update.
					const needed = preStop + seconds("SHUTDOWN_TIMEOUT_MS") + seconds("MESSAGING_DRAIN_TIMEOUT_MS");
					expect(spec.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(needed);
					expect(spec.terminationGracePeriodSeconds).toBeLessThanOrEqual(needed + 15);
				}
			}
		});

		it("exposes only the gateway: one Service, and the only ingress rule open to anyone is the gateway's", () => {
			const objects = overlays[overlay];
			const pods = ofKind(objects, "Deployment").map(d => ({ name: d.metadata.name, labels: d.spec.template.metadata.labels }));
			const api = pods.filter(p => p.labels["app.kubernetes.io/component"] === "api");
			expect(api.map(p => p.name)).toEqual(["shop-api"]);
			const services = ofKind(objects, "Service").filter(s => s.metadata.name !== "shop-nats");
			expect(services.map(s => s.metadata.name)).toEqual(["shop"]);
			expect(pods.filter(p => labelsMatch(services[0].spec.selector, p.labels)).map(p => p.name)).toEqual(["shop-api"]);
			const policies = ofKind(objects, "NetworkPolicy");
			// Every pod is under a policy that denies ingress by default ...
			for (const pod of pods) expect(policies.some(p => labelsMatch(p.spec.podSelector.matchLabels, pod.labels))).toBe(true);
			// ... and a rule without `from` (anyone) selects the gateway alone, on its HTTP port.
			const open = policies.filter(p => (p.spec.ingress ?? []).some((rule: any) => !rule.from));
			expect(open.map(p => p.metadata.name)).toEqual(["shop-api-from-anywhere"]);
			expect(pods.filter(pod => labelsMatch(open[0].spec.podSelector.matchLabels, pod.labels)).map(p => p.name)).toEqual([
				"shop-api"
			]);
			expect(open[0].spec.ingress).toEqual([
				{
					ports: [
						{
							protocol: "TCP",
							port: Number(envValue(objects, podSpec(named(objects, "Deployment", "shop-api")).containers[0], "PORT"))
						}
					]
				}
			]);
		});
	});

	it("all-in-one: one pod runs every service on a persistent DATA_DIR, replaced (not rolled) on upgrade", () => {
		const deployments = ofKind(overlays["all-in-one"], "Deployment");
		expect(deployments.map(d => d.metadata.name)).toEqual(["shop-api"]);
		const [app] = deployments;
		const c = podSpec(app).containers[0];
		expect(envValue(overlays["all-in-one"], c, "SERVICES")).toBeUndefined();
		expect(envValue(overlays["all-in-one"], c, "TRANSPORTER")).toBeUndefined();
		expect(app.spec).toMatchObject({ replicas: 1, strategy: { type: "Recreate" } });
		const data = podSpec(app).volumes!.find(v => v.name === "data");
		expect(data).toEqual({ name: "data", persistentVolumeClaim: { claimName: "shop-data" } });
		expect(ofKind(overlays["all-in-one"], "HorizontalPodAutoscaler")).toEqual([]);
	});

	describe("split", () => {
		const nodes = () => ofKind(overlays.split, "Deployment").filter(d => d.metadata.name !== "shop-nats");
		const servicesOf = (d: K8sObject) => envValue(overlays.split, podSpec(d).containers[0], "SERVICES")!.split(",");

		it("gives every service a Deployment, each service in exactly one, realtime with the gateway", () => {
			const placed = nodes().flatMap(servicesOf).sort();
			expect(placed).toEqual([...SERVICE_NAMES].sort());
			expect(servicesOf(named(overlays.split, "Deployment", "shop-api")).sort()).toEqual(["api", "realtime"]);
			for (const d of nodes())
				if (d.metadata.name !== "shop-api") expect(servicesOf(d)).toEqual([d.metadata.name.replace(/^shop-/, "")]);
		});

		it("connects every node to the NATS Service with the bus credentials, each service to its own database", () => {
			const nats = named(overlays.split, "Service", "shop-nats");
			for (const d of nodes()) {
				const c = podSpec(d).containers[0];
				const env = containerEnv(overlays.split, c);
				expect(loadConfig(env).transporter).toBe(`nats://${nats.metadata.name}:${nats.spec.ports[0].port}`);
				expect(env.TRANSPORTER_USER).toBeTruthy();
				expect(env.TRANSPORTER_PASSWORD).toBeTruthy();
				const dbUris = Object.keys(env).filter(n => n.endsWith("_DB_URI"));
				const own = servicesOf(d)
					.filter(s => s !== "api" && s !== "realtime")
					.map(s => `${s.toUpperCase()}_DB_URI`);
				expect(dbUris).toEqual(own);
			}
		});

		it("autoscales the gateway and the checkout's services, keeps one of each through disruptions", () => {
			const deployments = Object.fromEntries(nodes().map(d => [d.metadata.name, d]));
			const scaled = ofKind(overlays.split, "HorizontalPodAutoscaler")
				.map(h => h.spec.scaleTargetRef.name)
				.sort();
			expect(scaled).toEqual(["shop-api", "shop-inventory", "shop-orders", "shop-payments"]);
			for (const name of scaled) {
				// `kubectl apply` would otherwise reset the autoscaler's replica count.
				expect(deployments[name].spec.replicas).toBeUndefined();
				const budget = named(overlays.split, "PodDisruptionBudget", name);
				expect(budget.spec.minAvailable).toBe(1);
				expect(labelsMatch(budget.spec.selector.matchLabels, deployments[name].spec.template.metadata.labels)).toBe(true);
			}
		});

		it("migrates with `npm run migrate` and every service's database", () => {
			const job = named(overlays.split, "Job", "shop-migrate");
			const c = podSpec(job).containers[0];
			expect(c.command).toEqual(["npm", "run", "migrate"]);
			const uris = Object.keys(containerEnv(overlays.split, c)).filter(n => n.endsWith("_DB_URI"));
			const withStorage = SERVICE_NAMES.filter(s => !["api", "realtime"].includes(s)).map(s => `${s.toUpperCase()}_DB_URI`);
			expect(uris.sort()).toEqual(withStorage.sort());
		});
	});

	describe("probes against the real app", () => {
		let stack: Stack;
		let metricsPort: number;
		beforeAll(async () => {
			metricsPort = await freePort();
			// The gateway's services and a domain service in one process: the gateway's port and METRICS_PORT.
			stack = await startStack({ services: ["api", "realtime", "users"], env: { METRICS_PORT: String(metricsPort) } });
		});
		afterAll(() => stack?.stop());

		it.each(["all-in-one", "split"])("%s: every HTTP probe of the app answers 200 on the port its setting opens", async overlay => {
			const objects = overlays[overlay];
			let checked = 0;
			for (const d of appWorkloads(objects).filter(w => w.kind === "Deployment")) {
				const c = podSpec(d).containers[0];
				for (const probe of ["startupProbe", "livenessProbe", "readinessProbe"]) {
					const get = c[probe]?.httpGet;
					expect(get).toBeDefined();
					const containerPort = c.ports?.find((p: any) => p.name === get.port).containerPort;
					// The named port is the one the node listens on: PORT for the gateway, METRICS_PORT elsewhere.
					const setting = Number(envValue(objects, c, "METRICS_PORT")) === containerPort ? "METRICS_PORT" : "PORT";
					expect(Number(envValue(objects, c, setting))).toBe(containerPort);
					const base = setting === "PORT" ? stack.baseUrl : `http://127.0.0.1:${metricsPort}`;
					const res = await fetch(`${base}${get.path}`);
					expect({ deployment: d.metadata.name, probe, path: get.path, status: res.status }).toMatchObject({ status: 200 });
					checked++;
				}
			}
			expect(checked).toBeGreaterThanOrEqual(3);
		});
	});

	// In CI a missing nats-server fails the suite (startNatsServer throws); on a laptop it is skipped with a reason.
	const describeWithNatsServer: jest.Describe =
		natsServerBinary() || inCI ? describe : (console.warn("skipped: nats-server is not installed"), describe.skip);
	describeWithNatsServer("the split's NATS configuration, run by a real nats-server", () => {
		let server: NatsServer;
		let monitorPort: number;
		let dir: string;
		const brokers: ServiceBroker[] = [];
		beforeAll(async () => {
			const config = named(overlays.split, "ConfigMap", "shop-nats-config").data["nats.conf"];
			dir = fs.mkdtempSync(path.join(os.tmpdir(), "shop-k8s-nats-"));
			fs.writeFileSync(path.join(dir, "nats.conf"), config);
			const secrets = named(overlays.split, "Secret", "shop-secrets").stringData;
			// The config's $TRANSPORTER_USER / $TRANSPORTER_PASSWORD come from the server's environment, as in the pod.
			const { TRANSPORTER_USER, TRANSPORTER_PASSWORD } = secrets;
			monitorPort = await freePort();
			server = await startNatsServer(["--config", path.join(dir, "nats.conf"), "--http_port", String(monitorPort)], {
				TRANSPORTER_USER,
				TRANSPORTER_PASSWORD
			});
		});
		afterAll(async () => {
			await Promise.all(brokers.map(b => b.stop()));
			await server?.stop();
			if (dir) fs.rmSync(dir, { recursive: true, force: true });
		});

		it("admits a node with the manifests' credentials and answers the NATS probe path", async () => {
			const nodeEnv = containerEnv(overlays.split, podSpec(named(overlays.split, "Deployment", "shop-users")).containers[0]);
			const broker = new ServiceBroker({
				...brokerOptions({
					...nodeEnv,
					TRANSPORTER: server.url,
					NAMESPACE: `k8s-${process.pid}`,
					LOG_LEVEL: "error",
					LOG_SHIP_LEVEL: "off"
				}),
				nodeID: `k8s-${process.pid}`
			});
			brokers.push(broker);
			await broker.start();
			expect(broker.transit!.connected).toBe(true);
			const nats = podSpec(named(overlays.split, "Deployment", "shop-nats")).containers[0];
			for (const probe of ["startupProbe", "livenessProbe", "readinessProbe"]) {
				expect(nats[probe].httpGet.port).toBe("monitor");
				expect((await fetch(`http://127.0.0.1:${monitorPort}${nats[probe].httpGet.path}`)).status).toBe(200);
			}
			expect(await (await fetch(`http://127.0.0.1:${monitorPort}/varz`)).json()).toMatchObject({ auth_required: true });
		});
	});
});
