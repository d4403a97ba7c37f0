/** Starts a private `nats-server` on a free port (authentication, TLS), for tests that need their own. */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { freePort, waitFor } from "./processes";

/** The nats-server binary on this machine (Debian's package puts it in /usr/sbin), or null. */
export function natsServerBinary(): string | null {
	const dirs = [...(process.env.PATH ?? "").split(path.delimiter), "/usr/sbin", "/usr/local/bin"];
	for (const dir of dirs) {
		const file = path.join(dir, "nats-server");
		if (dir && fs.existsSync(file)) return file;
	}
	return null;
}

export interface NatsServer {
	url: string;
	port: number;
	output: () => string;
	stop(): Promise<void>;
}

/** `args`: the server's own flags (`--user`, `--pass`, `--auth`, `--tls` ...); `env`: variables its configuration file reads. */
export async function startNatsServer(args: string[], env: Record<string, string> = {}): Promise<NatsServer> {
	const binary = natsServerBinary();
	if (!binary) throw new Error("nats-server is not installed");
	const port = await freePort();
	const child: ChildProcess = spawn(binary, ["-a", "127.0.0.1", "-p", String(port), ...args], {
		env: { ...process.env, ...env },
		stdio: ["ignore", "pipe", "pipe"]
	});
	let out = "";
	child.stdout!.on("data", d => (out += d));
	child.stderr!.on("data", d => (out += d));
	const exited = new Promise<void>(resolve => child.once("exit", () => resolve()));
	const stop = async () => {
		if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
		await exited;
	};
	try {
		await waitFor(
			"nats-server to listen",
			async () => {
				if (child.exitCode !== null) throw new Error(`nats-server exited: ${out}`);
				return portOpen(port);
			},
			10_000,
			50
		);
	} catch (err) {
		await stop();
		throw err;
	}
	return { url: `nats://127.0.0.1:${port}`, port, output: () => out, stop };
}

function portOpen(port: number): Promise<boolean> {
	return new Promise(resolve => {
		const socket = net.connect({ host: "127.0.0.1", port });
		socket.once("connect", () => (socket.destroy(), resolve(true)));
		socket.once("error", () => resolve(false));
	});
}
