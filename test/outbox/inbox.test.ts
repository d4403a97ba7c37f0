/**
 * Idempotent consumers through the one shared mechanism (the messaging mixin + the service's
 * inbox): an event delivered twice, over the bus or by RabbitMQ, runs its handler once; a handler
 * that failed for good is not run again, one that failed for now is.
 */
import type { Context, ServiceSchema } from "moleculer";
import { Errors } from "moleculer";
import { createEvent, type DomainEvent } from "../../lib/events";
import { encodeEvent } from "../../lib/messaging/envelope";
import { AMQP_EXCHANGE } from "../../lib/messaging/routes";
import { DbMixin } from "../../mixins/db.mixin";
import { MessagingMixin } from "../../mixins/messaging.mixin";
import { createVhost, independentClient, type TestVhost } from "../helpers/rabbitmq";
import { describeWithServer } from "../helpers/servers";
import { startStack, type Stack } from "../helpers/stack";

type Mode = "ok" | "permanent" | "transient";

/**
 * A consumer of order.confirmed (queue order_confirmed with AMQP_URL) that counts its runs per order;
 * it stands in for payments (the flow's consumer of that event), which these stacks do not run.
 */
function counter(runs: Map<string, number>, mode: () => Mode): ServiceSchema {
	return {
		name: "payments",
		mixins: [
			DbMixin([], { outbox: true }),
			MessagingMixin({
				async "payments:order.confirmed"(ctx: Context<DomainEvent<{ orderId: string }>>) {
					const id = ctx.params.data.orderId;
					runs.set(id, (runs.get(id) ?? 0) + 1);
					const m = mode();
					if (m === "permanent") throw new Errors.MoleculerClientError("refused", 422, "REFUSED");
					if (m === "transient") throw new Error("database hiccup");
				}
			})
		]
	} as unknown as ServiceSchema;
}

const until = async (check: () => boolean, ms = 10_000) => {
	const end = Date.now() + ms;
	while (!check()) {
		if (Date.now() > end) throw new Error("timed out");
		await new Promise(r => setTimeout(r, 20));
	}
};
const settle = () => new Promise(r => setTimeout(r, 150));

describe("idempotent consumers over the bus", () => {
	let stack: Stack;
	const runs = new Map<string, number>();
	let mode: Mode = "ok";

	beforeAll(async () => {
		stack = await startStack({ extraServices: [counter(runs, () => mode)] });
	});
	afterAll(() => stack?.stop());

	const confirmed = (orderId: string) => createEvent("orders", "order.confirmed", orderId, { orderId });

	it("runs the handler once for an event delivered twice, and again for a new event of the same order", async () => {
		const event = confirmed("o-twice");
		await stack.broker.emit("order.confirmed", event);
		await stack.broker.emit("order.confirmed", event);
		await stack.broker.emit("order.confirmed", event);
		await settle();
		expect(runs.get("o-twice")).toBe(1);
		await stack.broker.emit("order.confirmed", confirmed("o-twice"));
		await settle();
		expect(runs.get("o-twice")).toBe(2);
	});

	it("does not run a handler again after it failed for good (a client error), but does after a transient failure", async () => {
		mode = "permanent";
		const refused = confirmed("o-refused");
		await stack.broker.emit("order.confirmed", refused);
		mode = "ok";
		await stack.broker.emit("order.confirmed", refused);
		await settle();
		expect(runs.get("o-refused")).toBe(1);

		mode = "transient";
		const flaky = confirmed("o-flaky");
		await stack.broker.emit("order.confirmed", flaky);
		mode = "ok";
		await stack.broker.emit("order.confirmed", flaky);
		await stack.broker.emit("order.confirmed", flaky);
		await settle();
		expect(runs.get("o-flaky")).toBe(2);
	});
});

describeWithServer(
	"RabbitMQ",
	"127.0.0.1",
	5672
)("idempotent consumers with RabbitMQ redelivering", () => {
	let vhost: TestVhost;
	let stack: Stack;
	const runs = new Map<string, number>();

	beforeAll(async () => {
		vhost = await createVhost("inbox");
		stack = await startStack({ env: { AMQP_URL: vhost.url }, extraServices: [counter(runs, () => "ok")] });
	}, 30_000);
	afterAll(async () => {
		await stack?.stop();
		await vhost?.drop();
	});

	it("handles a message published twice (a publisher's retry) once", async () => {
		const client = await independentClient(vhost.url);
		try {
			const event = createEvent("orders", "order.confirmed", "o-amqp", { orderId: "o-amqp" });
			for (let i = 0; i < 2; i++)
				client.channel.publish(AMQP_EXCHANGE, "order.confirmed", encodeEvent(event), { persistent: true, messageId: event.id });
			const other = createEvent("orders", "order.confirmed", "o-amqp-2", { orderId: "o-amqp-2" });
			client.channel.publish(AMQP_EXCHANGE, "order.confirmed", encodeEvent(other), { persistent: true, messageId: other.id });
			await until(() => runs.has("o-amqp-2"));
			await settle();
			expect(runs.get("o-amqp")).toBe(1);
		} finally {
			await client.close();
		}
	}, 30_000);
});
