/**
 * Issue item 8: a product created while Kafka is unreachable. Before the outbox the request failed
 * and the product stayed without a stock record for ever; now the product and its product.created
 * are one write, the request answers 201, and once Kafka is reachable the relay delivers the event
 * and inventory creates the stock record (exactly once). Kafka is librdkafka's mock cluster
 * (test/helpers/kafka-mock.ts) behind a TCP gate the test opens when "Kafka comes back".
 */
import net from "node:net";
import { KAFKA_MOCK_ENV, describeWithKafkaMock, startKafkaMock, type KafkaMock } from "../helpers/kafka-mock";
import { client, type Client } from "../helpers/http";
import { freePort, waitFor } from "../helpers/processes";
import { startStack, type Stack } from "../helpers/stack";
import type { Outbox } from "../../lib/outbox/outbox";

/** A TCP port that refuses connections until opened, then forwards them to `target`. */
function gate(port: number, target: { host: string; port: number }) {
	const sockets = new Set<net.Socket>();
	const server = net.createServer(socket => {
		const upstream = net.connect(target);
		sockets.add(socket).add(upstream);
		socket.pipe(upstream).pipe(socket);
		const close = () => (socket.destroy(), upstream.destroy());
		socket.on("error", close).on("close", close);
		upstream.on("error", close).on("close", close);
	});
	return {
		open: () => new Promise<void>(resolve => server.listen(port, "127.0.0.1", () => resolve())),
		close: () => {
			for (const s of sockets) s.destroy();
			return new Promise<void>(resolve => (server.listening ? server.close(() => resolve()) : resolve()));
		}
	};
}

describeWithKafkaMock()("a product created while Kafka is unreachable (outbox)", () => {
	let mock: KafkaMock;
	let stack: Stack;
	let api: Client;
	let door: ReturnType<typeof gate>;
	let admin: string;
	const productsOutbox = () => (stack.broker.getLocalService("products") as unknown as { outbox: Outbox }).outbox;

	beforeAll(async () => {
		mock = await startKafkaMock();
		const [host, port] = mock.brokers.split(",")[0].split(":");
		const gatePort = await freePort();
		door = gate(gatePort, { host, port: Number(port) });
		stack = await startStack({
			services: ["api", "users", "products", "inventory"],
			env: {
				KAFKA_BROKERS: `127.0.0.1:${gatePort}`,
				...KAFKA_MOCK_ENV,
				OUTBOX_POLL_MS: "200",
				OUTBOX_RETRY_MAX_MS: "1000",
				ADMIN_EMAIL: "admin@outage.test",
				ADMIN_PASSWORD: "Outage-admin-1"
			}
		});
		api = client(stack.baseUrl);
		admin = (await api.post("/api/v1/auth/login", { email: "admin@outage.test", password: "Outage-admin-1" })).body.accessToken;
	}, 60_000);
	afterAll(async () => {
		await stack?.stop();
		await door?.close();
		await mock?.stop();
	});

	it("answers 201, keeps the event, and gives the product its stock once Kafka is back", async () => {
		const created = await api.post(
			"/api/v1/products",
			{ name: "Made in the outage", description: "", price: 3, category: "outage", stock: 7 },
			{ token: admin }
		);
		expect(created.status).toBe(201);
		const id = created.body.id as string;
		expect((await api.get(`/api/v1/products/${id}`)).status).toBe(200);

		// The event waits in the products outbox, undelivered, while Kafka cannot be reached.
		await new Promise(r => setTimeout(r, 1500));
		expect(await productsOutbox().pending()).toBeGreaterThanOrEqual(1);
		expect((await api.get(`/api/v1/inventory/check?productId=${id}&quantity=1`, { token: admin })).status).toBe(404);

		await door.open();
		const stock = await waitFor(
			"the stock record",
			async () => {
				const r = await api.get(`/api/v1/inventory/check?productId=${id}&quantity=1`, { token: admin });
				return r.status === 200 ? r.body : null;
			},
			45_000
		);
		expect(stock).toMatchObject({ available: 7 });
		await waitFor("an empty outbox", async () => (await productsOutbox().pending()) === 0, 20_000);
		const items = await api.get("/api/v1/inventory?pageSize=100", { token: admin });
		expect(items.body.items.filter((i: { productId: string }) => i.productId === id)).toHaveLength(1);
	}, 90_000);
});
