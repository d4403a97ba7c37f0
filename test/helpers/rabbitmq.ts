/**
 * A fresh RabbitMQ virtual host per test file on the machine's broker (127.0.0.1:5672, guest), so
 * runs never share a queue, and deleted afterwards with everything in it. Managed with
 * `rabbitmqctl` (the management plugin is not needed), which also closes a vhost's connections
 * from the broker side and switches on its firehose tracer (every delivery copied, by queue name,
 * to amq.rabbitmq.trace, where an independent client can read what each queue delivered).
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import { randomUUID } from "node:crypto";
import amqp, { type ChannelModel, type Channel, type GetMessage } from "amqplib";

const RABBITMQCTL = ["/usr/sbin/rabbitmqctl", "/usr/local/sbin/rabbitmqctl"].find(p => fs.existsSync(p)) ?? "rabbitmqctl";

export function rabbitmqctl(...args: string[]): Promise<string> {
	return new Promise((resolve, reject) =>
		execFile(RABBITMQCTL, ["--quiet", ...args], { timeout: 60_000 }, (err, stdout, stderr) =>
			err ? reject(new Error(`rabbitmqctl ${args.join(" ")} failed: ${stderr || err.message}`)) : resolve(stdout)
		)
	);
}

export interface TestVhost {
	name: string;
	/** AMQP_URL for this vhost. */
	url: string;
	/** Closes every client connection of the vhost from the broker side (as a broker restart or an operator would). */
	closeConnections(): Promise<void>;
	/** Connection names of the vhost's clients (our nodes name theirs after the node id). */
	connections(): Promise<string[]>;
	drop(): Promise<void>;
}

export async function createVhost(label: string): Promise<TestVhost> {
	const name = `shop-test-${label}-${process.pid}-${randomUUID().slice(0, 8)}`;
	await rabbitmqctl("add_vhost", name);
	await rabbitmqctl("set_permissions", "-p", name, "guest", ".*", ".*", ".*");
	return {
		name,
		url: `amqp://guest:guest@127.0.0.1:5672/${encodeURIComponent(name)}`,
		async closeConnections() {
			await rabbitmqctl("close_all_connections", "-p", name, "closed by the test");
		},
		async connections() {
			const out = await rabbitmqctl("list_connections", "vhost", "client_properties");
			return out
				.split("\n")
				.filter(line => line.startsWith(`${name}\t`))
				.map(line => /connection_name","?([^"}\]]+)/.exec(line)?.[1] ?? "");
		},
		async drop() {
			await rabbitmqctl("delete_vhost", name).catch(() => undefined);
		}
	};
}

/** An independent AMQP client of the vhost (not the shop's messaging layer) for asserting on the broker's side. */
export async function independentClient(url: string): Promise<{ model: ChannelModel; channel: Channel; close(): Promise<void> }> {
	const model = await amqp.connect(url);
	const channel = await model.createChannel();
	return {
		model,
		channel,
		async close() {
			await model.close().catch(() => undefined);
		}
	};
}

/** Waits for one message on a queue (polling basic.get); acks it. */
export async function getMessage(channel: Channel, queue: string, timeoutMs = 20_000): Promise<GetMessage> {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		const msg = await channel.get(queue, { noAck: true });
		if (msg) return msg;
		await new Promise(r => setTimeout(r, 50));
	}
	throw new Error(`No message on ${queue} within ${timeoutMs} ms`);
}
