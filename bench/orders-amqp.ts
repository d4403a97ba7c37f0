/**
 * The order benchmark of bench/orders.ts with AMQP_URL set (in the shop's environment only): the same flow, its steps going
 * through RabbitMQ's durable queues (persistent messages, publisher confirms, acks after each
 * handler) instead of the in-process bus, to compare with the bus-only run of the same `npm run bench`.
 *
 * RabbitMQ: BENCH_AMQP_URL when given; else a throwaway vhost on the local broker (127.0.0.1:5672,
 * guest), created and deleted with rabbitmqctl, so a run starts with empty queues. Skipped, with
 * a line saying why, when neither is possible.
 */
import { execFile } from "node:child_process";
import net from "node:net";
import { benchOrders } from "./orders";

type Result = Awaited<ReturnType<typeof benchOrders>>;

function rabbitmqctl(...args: string[]): Promise<void> {
	return new Promise((resolve, reject) =>
		execFile("rabbitmqctl", ["--quiet", ...args], { timeout: 60_000 }, err => (err ? reject(err) : resolve()))
	);
}

function portOpen(port: number): Promise<boolean> {
	return new Promise(resolve => {
		const s = net.connect({ host: "127.0.0.1", port });
		s.setTimeout(1000, () => (s.destroy(), resolve(false)));
		s.once("connect", () => (s.destroy(), resolve(true)));
		s.once("error", () => resolve(false));
	});
}

export async function benchOrdersAmqp(): Promise<Result[]> {
	let url = process.env.BENCH_AMQP_URL;
	let vhost: string | null = null;
	if (!url) {
		if (!(await portOpen(5672))) {
			console.log("orders (AMQP_URL): skipped, no RabbitMQ on 127.0.0.1:5672 and no BENCH_AMQP_URL");
			return [];
		}
		vhost = `shop-bench-${process.pid}-${Date.now().toString(36)}`;
		try {
			await rabbitmqctl("add_vhost", vhost);
			await rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*");
		} catch (err) {
			console.log(
				`orders (AMQP_URL): skipped, cannot create a vhost with rabbitmqctl (${(err as Error).message}); set BENCH_AMQP_URL`
			);
			return [];
		}
		url = `amqp://guest:guest@127.0.0.1:5672/${vhost}`;
	}
	try {
		return [await benchOrders("all-in-one, order flow over RabbitMQ (AMQP_URL)", { AMQP_URL: url })];
	} finally {
		if (vhost) await rabbitmqctl("delete_vhost", vhost).catch(() => undefined);
	}
}
