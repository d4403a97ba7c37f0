/**
 * A Kafka cluster for tests: librdkafka's mock cluster, started through Debian's `kcat`
 * (`apt-get install kcat`; .ci/run installs it). With `test.mock.num.brokers`, librdkafka ignores
 * the bootstrap servers and serves a mock cluster on a real TCP port, printed on stderr as
 * "replaced with 127.0.0.1:PORT"; kcat keeps it alive while it consumes a dummy topic. It speaks
 * what kafkajs needs for keyed produce, fetch, consumer groups and offset commits; it refuses admin
 * createTopics (topics are auto-created with 4 partitions) and idempotent producers. Consumers
 * should use short group timings (KAFKA_SESSION_TIMEOUT_MS=3000, KAFKA_HEARTBEAT_INTERVAL_MS=300,
 * KAFKA_MAX_WAIT_MS=100) or joining a group takes about 10 s.
 *
 * Without kcat, suites using it skip with a reason on a laptop and fail with CI=true.
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { inCI } from "./servers";

export const KAFKA_MOCK_ENV = {
	KAFKA_SESSION_TIMEOUT_MS: "3000",
	KAFKA_HEARTBEAT_INTERVAL_MS: "300",
	KAFKA_MAX_WAIT_MS: "100"
};

function findKcat(): string | null {
	for (const dir of (process.env.PATH ?? "").split(path.delimiter).concat(["/usr/bin", "/usr/local/bin"])) {
		const file = path.join(dir, "kcat");
		if (dir && fs.existsSync(file)) return file;
	}
	return null;
}

export const KCAT = findKcat();

export interface KafkaMock {
	/** KAFKA_BROKERS for the mock cluster. */
	brokers: string;
	stop(): Promise<void>;
	/** Freezes the cluster (SIGSTOP): its port stays open and nothing answers, as a hung broker. */
	pause(): void;
	/** Lets a paused cluster go on (SIGCONT), on the same port with the same topics and offsets. */
	resume(): void;
}

function portOpen(port: number): Promise<boolean> {
	return new Promise(resolve => {
		const s = net.connect({ host: "127.0.0.1", port });
		s.once("connect", () => (s.destroy(), resolve(true)));
		s.once("error", () => resolve(false));
	});
}

export async function startKafkaMock(): Promise<KafkaMock> {
	if (!KCAT) throw new Error("kcat is not installed (apt-get install kcat)");
	const child: ChildProcess = spawn(
		KCAT,
		["-b", "127.0.0.1:1", "-X", "test.mock.num.brokers=1", "-C", "-G", "mock-keepalive", "mock-keepalive"],
		{
			stdio: ["ignore", "ignore", "pipe"]
		}
	);
	let stderr = "";
	const exited = new Promise<void>(resolve => child.once("exit", () => resolve()));
	const brokers = await new Promise<string>((resolve, reject) => {
		const timer = setTimeout(() => reject(new Error(`The Kafka mock did not start: ${stderr}`)), 15_000);
		child.stderr!.on("data", chunk => {
			stderr += chunk;
			const m = /replaced with ([\d.:,]+)/.exec(stderr);
			if (m) {
				clearTimeout(timer);
				resolve(m[1].replace(/,$/, ""));
			}
		});
		child.once("exit", code => reject(new Error(`kcat exited with ${code}: ${stderr}`)));
	});
	const port = Number(brokers.split(",")[0].split(":")[1]);
	for (let i = 0; i < 100 && !(await portOpen(port)); i++) await new Promise(r => setTimeout(r, 100));
	return {
		brokers,
		async stop() {
			if (child.exitCode === null && child.signalCode === null) {
				child.kill("SIGCONT");
				child.kill("SIGTERM");
			}
			await exited;
		},
		pause() {
			child.kill("SIGSTOP");
		},
		resume() {
			child.kill("SIGCONT");
		}
	};
}

/** `describe` when kcat is installed; otherwise a skip with a reason, or a failure in CI. */
export function describeWithKafkaMock(): jest.Describe {
	if (KCAT) return describe;
	if (inCI)
		return ((title: string) =>
			describe(title, () => {
				it("needs kcat for the Kafka mock cluster", () => {
					throw new Error("kcat is not installed (apt-get install kcat), and CI=true forbids skipping");
				});
			})) as unknown as jest.Describe;
	console.warn("skipped: kcat is not installed (apt-get install kcat), so no Kafka mock cluster");
	return describe.skip;
}
