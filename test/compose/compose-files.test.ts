/**
 * The container files: the Dockerfile's shape, and both compose files checked by a real Compose
 * parser (`docker-compose config`), which validates the schema, resolves the YAML anchors and
 * `${VAR}` substitutions, and prints the effective model that the assertions below read.
 *
 * Needs `docker-compose` (Debian: `apt-get install -y docker-compose`; no Docker engine needed).
 * Without it these checks skip on a laptop and fail in CI (CI=true).
 */
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const ROOT = path.resolve(__dirname, "..", "..");
const COMPOSE_BIN = process.env.DOCKER_COMPOSE_BIN || "docker-compose";
const IN_CI = process.env.CI === "true";
const TEST_SECRET = "compose-test-jwt-secret";

const MOLECULER_SERVICES = [
	"api",
	"users",
	"products",
	"inventory",
	"carts",
	"orders",
	"payments",
	"shipping",
	"notifications",
	"logs",
	"realtime"
];
/** Containers of the split file: realtime runs inside the gateway's (it serves /ws on the gateway's HTTP server). */
const SPLIT_CONTAINERS = MOLECULER_SERVICES.filter(n => n !== "realtime");
const SPLIT_SERVICES: Record<string, string> = { api: "api,realtime" };
const INFRA_IMAGES: Record<string, RegExp> = {
	postgres: /^postgres:16\b/,
	mongo: /^mongo:7\b/,
	redis: /^redis:7\b/,
	rabbitmq: /^rabbitmq:3[.\w-]*management/,
	kafka: /kafka/
};
const INFRA = Object.keys(INFRA_IMAGES);
/** Storage per service in docker-compose.yml (docs/architecture.md, Domains). */
const MONGO_SERVICES = ["products", "orders"];
const POSTGRES_SERVICES = ["users", "inventory", "notifications", "payments", "shipping"];

// ---- docker-compose availability ----------------------------------------------------------------

function composeVersion(): string | null {
	const r = spawnSync(COMPOSE_BIN, ["version"], { encoding: "utf8" });
	return r.status === 0 ? r.stdout.split("\n")[0].trim() : null;
}

const version = composeVersion();
const available = version !== null;
const MISSING = `${COMPOSE_BIN} is not installed (Debian: apt-get update && apt-get install -y docker-compose)`;
if (!available) {
	if (IN_CI) console.error(`compose-files: ${MISSING}; CI=true, so these checks fail instead of skipping`);
	else console.warn(`compose-files: skipping docker-compose checks: ${MISSING}`);
}
const itOrSkip = available || IN_CI ? it : it.skip;

// ---- running docker-compose ---------------------------------------------------------------------

// An empty env file and a minimal environment: a developer's .env or shell variables
// (JWT_SECRET, APP_PORT, ...) must not change what the tests see.
let emptyEnvFile = "";
beforeAll(() => {
	emptyEnvFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "compose-test-")), "empty.env");
	fs.writeFileSync(emptyEnvFile, "");
});
afterAll(() => {
	if (emptyEnvFile) fs.rmSync(path.dirname(emptyEnvFile), { recursive: true, force: true });
});

function composeEnv(vars: Record<string, string>): NodeJS.ProcessEnv {
	return { PATH: process.env.PATH, HOME: process.env.HOME ?? os.tmpdir(), LANG: "C.UTF-8", ...vars };
}

function composeArgs(file: string, args: string[]): string[] {
	if (!available) throw new Error(`${MISSING}${IN_CI ? " — it is required when CI=true" : ""}`);
	return ["--env-file", emptyEnvFile, "-f", path.join(ROOT, file), ...args];
}

/** Runs docker-compose and returns stdout; throws (with its stderr) on a non-zero exit. */
function compose(file: string, args: string[], vars: Record<string, string> = { JWT_SECRET: TEST_SECRET }): string {
	const argv = composeArgs(file, args);
	try {
		return execFileSync(COMPOSE_BIN, argv, {
			cwd: ROOT,
			env: composeEnv(vars),
			encoding: "utf8",
			stdio: ["ignore", "pipe", "pipe"]
		});
	} catch (err) {
		const e = err as { status?: number; stderr?: string; message: string };
		throw new Error(`docker-compose ${args.join(" ")} on ${file} failed (exit ${e.status}): ${e.stderr || e.message}`);
	}
}

type Env = Record<string, string>;
interface Service {
	image?: string;
	build?: unknown;
	command?: string[] | string;
	environment?: Record<string, string | number | boolean | null> | string[];
	ports?: Array<string | number | { published?: string | number; target?: string | number }>;
	healthcheck?: { test?: string[] | string; disable?: boolean };
	depends_on?: Record<string, { condition?: string }> | string[];
	volumes?: Array<string | { type?: string; source?: string; target?: string }>;
}
interface ComposeModel {
	services: Record<string, Service>;
	volumes?: Record<string, unknown>;
}

/** The effective model as docker-compose resolves it (v2 prints JSON; v1 YAML, read via PyYAML, which v1 runs on). */
function loadModel(file: string): ComposeModel {
	if (!available) throw new Error(MISSING);
	const asJson = spawnSync(COMPOSE_BIN, composeArgs(file, ["config", "--format", "json"]), {
		cwd: ROOT,
		env: composeEnv({ JWT_SECRET: TEST_SECRET }),
		encoding: "utf8"
	});
	if (asJson.status === 0 && asJson.stdout.trim().startsWith("{")) return JSON.parse(asJson.stdout) as ComposeModel;
	const yamlText = compose(file, ["config"]);
	const json = execFileSync("python3", ["-c", "import json, sys, yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)"], {
		input: yamlText,
		encoding: "utf8"
	});
	return JSON.parse(json) as ComposeModel;
}

function envOf(svc: Service): Env {
	const out: Env = {};
	if (Array.isArray(svc.environment)) {
		for (const entry of svc.environment) {
			const i = entry.indexOf("=");
			out[i < 0 ? entry : entry.slice(0, i)] = i < 0 ? "" : entry.slice(i + 1);
		}
	} else {
		for (const [k, v] of Object.entries(svc.environment ?? {})) out[k] = v === null ? "" : String(v);
	}
	return out;
}

function publishedPorts(svc: Service): Array<{ published: number; target: number }> {
	return (svc.ports ?? []).map(p => {
		if (typeof p === "object") return { published: Number(p.published), target: Number(p.target) };
		const parts = String(p).split("/")[0].split(":");
		return { published: Number(parts.length > 1 ? parts[parts.length - 2] : parts[0]), target: Number(parts[parts.length - 1]) };
	});
}

function healthTest(svc: Service): string[] | null {
	const hc = svc.healthcheck;
	if (!hc || hc.disable || !hc.test) return null;
	const test = Array.isArray(hc.test) ? hc.test : ["CMD-SHELL", hc.test];
	return test.length === 0 || test[0] === "NONE" ? null : test;
}

function dependsOn(svc: Service): Record<string, string> {
	const deps = svc.depends_on ?? {};
	if (Array.isArray(deps)) return Object.fromEntries(deps.map(d => [d, "service_started"]));
	return Object.fromEntries(Object.entries(deps).map(([k, v]) => [k, v?.condition ?? "service_started"]));
}

function namedVolumes(svc: Service): string[] {
	return (svc.volumes ?? [])
		.map(v => (typeof v === "string" ? v.split(":")[0] : v.type === "volume" || !v.type ? (v.source ?? "") : ""))
		.filter(s => s !== "" && !s.startsWith("/") && !s.startsWith("."));
}

const sorted = (xs: string[]) => [...xs].sort();

// ---- Dockerfile ---------------------------------------------------------------------------------

describe("Dockerfile", () => {
	const dockerfile = fs.readFileSync(path.join(ROOT, "Dockerfile"), "utf8");
	// Instructions with continuation lines joined, comments dropped.
	const instructions = dockerfile
		.replace(/\\\r?\n/g, " ")
		.split(/\r?\n/)
		.map(l => l.trim())
		.filter(l => l !== "" && !l.startsWith("#"));
	const isFrom = (l: string) => /^FROM\s/i.test(l);
	const froms = instructions.filter(isFrom);
	// The final stage: what the image runs.
	const runtime = instructions.slice(instructions.map(isFrom).lastIndexOf(true));

	it("is multi-stage, on node:22-bookworm-slim", () => {
		expect(froms.length).toBeGreaterThanOrEqual(2);
		for (const from of froms) expect(from).toMatch(/^FROM\s+node:22-bookworm-slim\b/i);
	});

	it("installs production dependencies reproducibly", () => {
		expect(dockerfile).toMatch(/npm ci --omit=dev/);
		expect(dockerfile).toMatch(/COPY\s+package\.json\s+package-lock\.json/);
		expect(runtime.some(l => /^COPY\s+--from=/i.test(l))).toBe(true);
	});

	it("runs as a non-root user in production mode and exposes 3000", () => {
		const users = runtime.filter(l => /^USER\s/i.test(l));
		expect(users.length).toBeGreaterThan(0);
		const user = users[users.length - 1].split(/\s+/)[1];
		expect(["root", "0", "0:0", "root:root"]).not.toContain(user);
		expect(runtime.some(l => /^ENV\s.*\bNODE_ENV=production\b/i.test(l))).toBe(true);
		expect(runtime.some(l => /^EXPOSE\s+3000\b/i.test(l))).toBe(true);
		// The compiled server, as `npm start` runs it (scripts/build-server.ts).
		expect(runtime.some(l => /^CMD\s.*dist\/server\/server\.js/i.test(l))).toBe(true);
		expect(runtime.some(l => /^COPY\s+--from=server\s+\/app\/dist\/server\b/i.test(l))).toBe(true);
	});

	it("has a HEALTHCHECK on the gateway's liveness route, without curl", () => {
		const hc = runtime.find(l => /^HEALTHCHECK\s/i.test(l));
		expect(hc).toBeDefined();
		expect(hc).toMatch(/\/api\/v1\/health\/live/);
		expect(hc).toMatch(/\bnode\b/);
		expect(hc).not.toMatch(/\bcurl\b/);
	});

	it("keeps node_modules, secrets and tests out of the build context", () => {
		const ignored = fs
			.readFileSync(path.join(ROOT, ".dockerignore"), "utf8")
			.split(/\r?\n/)
			.map(l => l.trim());
		for (const entry of ["node_modules", ".git", ".env", "test", "data"]) expect(ignored).toContain(entry);
	});
});

// ---- docker-compose.yml (all-in-one) ------------------------------------------------------------

describe("docker-compose.yml (all-in-one + infrastructure)", () => {
	const FILE = "docker-compose.yml";
	let model: ComposeModel | undefined;
	const load = () => (model ??= loadModel(FILE));

	itOrSkip(`is valid for docker-compose (${version ?? "not installed"})`, () => {
		expect(() => compose(FILE, ["config", "-q"])).not.toThrow();
	});

	itOrSkip("refuses to run without JWT_SECRET", () => {
		const r = spawnSync(COMPOSE_BIN, composeArgs(FILE, ["config", "-q"]), { cwd: ROOT, env: composeEnv({}), encoding: "utf8" });
		expect(r.status).not.toBe(0);
		expect(r.stderr).toMatch(/JWT_SECRET/);
	});

	itOrSkip("has the app and the infrastructure services", () => {
		const services = compose(FILE, ["config", "--services"]).split("\n").filter(Boolean);
		expect(sorted(services)).toEqual(sorted(["app", ...INFRA]));
	});

	itOrSkip("runs every service in one app process, published on 3000, with its own health check", () => {
		const app = load().services.app;
		expect(app.build).toBeDefined();
		expect(publishedPorts(app)).toContainEqual({ published: 3000, target: 3000 });
		const env = envOf(app);
		expect(env.SERVICES ?? "").toBe("");
		expect(env.TRANSPORTER ?? "").toBe("");
		expect(env.NODE_ENV).toBe("production");
		expect(env.JWT_SECRET).toBe(TEST_SECRET);
		expect(healthTest(app)?.join(" ")).toMatch(/\/api\/v1\/health\/live/);
	});

	itOrSkip("wires the seed storage mapping and the brokers", () => {
		const env = envOf(load().services.app);
		for (const s of MONGO_SERVICES) expect(env[`${s.toUpperCase()}_DB_URI`]).toMatch(/^mongodb:\/\/mongo:27017\//);
		for (const s of POSTGRES_SERVICES)
			expect(env[`${s.toUpperCase()}_DB_URI`]).toMatch(/^postgres:\/\/shop:[^@]+@postgres:5432\/shop$/);
		expect(env.REDIS_URL).toMatch(/^redis:\/\/redis:6379/);
		expect(env.AMQP_URL).toMatch(/^amqp:\/\/[^@]+@rabbitmq:5672/);
		expect(env.KAFKA_BROKERS).toBe("kafka:9092");
	});

	itOrSkip("gives every infrastructure service an image, a health check and a named volume, and the app waits for them", () => {
		const m = load();
		const deps = dependsOn(m.services.app);
		for (const name of INFRA) {
			const svc = m.services[name];
			expect(svc.image).toMatch(INFRA_IMAGES[name]);
			expect({ name, healthcheck: healthTest(svc) }).toEqual({ name, healthcheck: expect.any(Array) });
			expect(deps[name]).toBe("service_healthy");
			expect(publishedPorts(svc)).toEqual([]);
			const vols = namedVolumes(svc);
			expect({ name, vols: vols.length }).toEqual({ name, vols: 1 });
			expect(Object.keys(m.volumes ?? {})).toEqual(expect.arrayContaining(vols));
		}
	});
});

// ---- docker-compose.split.yml (one container per service over NATS) -----------------------------

describe("docker-compose.split.yml (one container per service)", () => {
	const FILE = "docker-compose.split.yml";
	let model: ComposeModel | undefined;
	const load = () => (model ??= loadModel(FILE));

	itOrSkip(`is valid for docker-compose (${version ?? "not installed"})`, () => {
		expect(() => compose(FILE, ["config", "-q"])).not.toThrow();
	});

	itOrSkip("refuses to run without JWT_SECRET", () => {
		const r = spawnSync(COMPOSE_BIN, composeArgs(FILE, ["config", "-q"]), { cwd: ROOT, env: composeEnv({}), encoding: "utf8" });
		expect(r.status).not.toBe(0);
		expect(r.stderr).toMatch(/JWT_SECRET/);
	});

	itOrSkip("has one container per Moleculer service, NATS and the infrastructure", () => {
		const services = compose(FILE, ["config", "--services"]).split("\n").filter(Boolean);
		expect(sorted(services)).toEqual(sorted([...SPLIT_CONTAINERS, "nats", ...INFRA]));
	});

	itOrSkip("runs each service alone on the same image, over NATS, with a unique node ID", () => {
		const m = load();
		const image = m.services.api.image;
		expect(image).toBeTruthy();
		const nodeIds = new Set<string>();
		for (const name of SPLIT_CONTAINERS) {
			const svc = m.services[name];
			const env = envOf(svc);
			expect({ name, SERVICES: env.SERVICES }).toEqual({ name, SERVICES: SPLIT_SERVICES[name] ?? name });
			expect({ name, TRANSPORTER: env.TRANSPORTER }).toEqual({ name, TRANSPORTER: "nats://nats:4222" });
			expect({ name, image: svc.image }).toEqual({ name, image });
			expect(env.JWT_SECRET).toBe(TEST_SECRET);
			expect(env.NODE_ID).toBeTruthy();
			nodeIds.add(env.NODE_ID);
			expect({ name, nats: dependsOn(svc).nats }).toEqual({ name, nats: "service_healthy" });
		}
		expect(nodeIds.size).toBe(SPLIT_CONTAINERS.length);
	});

	itOrSkip("publishes only the gateway, on 3000, and health-checks it over HTTP", () => {
		const m = load();
		expect(publishedPorts(m.services.api)).toEqual([{ published: 3000, target: 3000 }]);
		expect(healthTest(m.services.api)?.join(" ")).toMatch(/\/api\/v1\/health\/live/);
		for (const name of [...SPLIT_CONTAINERS.filter(n => n !== "api"), "nats", ...INFRA]) {
			expect({ name, ports: publishedPorts(m.services[name]) }).toEqual({ name, ports: [] });
		}
		// The image's HTTP check would fail where no gateway runs: it must be replaced or disabled.
		for (const name of SPLIT_CONTAINERS.filter(n => n !== "api")) {
			const test = healthTest(m.services[name]);
			expect({ name, httpCheck: test !== null && /health\/live/.test(test.join(" ")) }).toEqual({ name, httpCheck: false });
		}
	});

	itOrSkip("gives each service only its own database URL", () => {
		const m = load();
		for (const name of SPLIT_CONTAINERS) {
			const env = envOf(m.services[name]);
			const dbVars = Object.keys(env).filter(k => k.endsWith("DB_URI"));
			const own = `${name.toUpperCase()}_DB_URI`;
			expect({ name, foreign: dbVars.filter(k => k !== own) }).toEqual({ name, foreign: [] });
			if (MONGO_SERVICES.includes(name)) expect(env[own]).toMatch(/^mongodb:\/\/mongo:27017\//);
			if (POSTGRES_SERVICES.includes(name)) {
				expect(env[own]).toMatch(/^postgres:\/\/shop:[^@]+@postgres:5432\/shop$/);
				expect(dependsOn(m.services[name]).postgres).toBe("service_healthy");
			}
		}
	});

	itOrSkip("runs NATS with JetStream and health-checks NATS and every infrastructure service", () => {
		const m = load();
		const nats = m.services.nats;
		expect(nats.image).toMatch(/^nats:2/);
		const command = Array.isArray(nats.command) ? nats.command.join(" ") : String(nats.command ?? "");
		expect(command).toMatch(/(^|\s)(-js|--jetstream)(\s|$)/);
		expect(healthTest(nats)?.join(" ")).toMatch(/8222\/healthz/);
		for (const name of INFRA) {
			expect(m.services[name].image).toMatch(INFRA_IMAGES[name]);
			expect({ name, healthcheck: healthTest(m.services[name]) }).toEqual({ name, healthcheck: expect.any(Array) });
		}
	});
});
