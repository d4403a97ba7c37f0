/**
 * Chaos with Kafka carrying product.events (KAFKA_BROKERS, librdkafka's mock cluster): the cluster
 * hangs (frozen with SIGSTOP: its port stays open and nothing answers; a restarted mock would come
 * back on another port) while an admin creates products through the gateway. Products and inventory
 * run on separate brokers with no transporter between them, so Kafka is their only link. Once the
 * cluster goes on, every product the catalog holds (each one answered 201 among them) gets its
 * stock record, exactly once and with the stock it was created with.
 */
import { randomUUID } from "node:crypto";
import { client, type Client } from "../helpers/http";
import { KAFKA_MOCK_ENV, startKafkaMock, type KafkaMock } from "../helpers/kafka-mock";
import { startStack, type Stack } from "../helpers/stack";
import { waitFor } from "../helpers/processes";
import { KAFKA_MOCK, describeWith } from "../messaging/support";

jest.setTimeout(150_000);

const ADMIN = { email: "admin@kafka-chaos.test", password: "Admin-pass-123" };

describeWith(KAFKA_MOCK)("chaos: Kafka hangs while products are created", () => {
	let mock: KafkaMock;
	let front: Stack;
	let inventory: Stack;
	let api: Client;
	let admin: string;

	const stockOf = (productId: string) =>
		inventory.broker.call("inventory.getByProduct", { productId }).then(
			item => item as { onHand: number },
			() => null
		);
	/** Creates a product with `stock` units; answers the HTTP result and the stock asked for. */
	const create = async (stock: number) => {
		const r = await api.post(
			"/api/v1/products",
			{ name: `Kafka chaos ${randomUUID().slice(0, 8)}`, description: "", price: 3, category: "kafka", stock },
			{ token: admin }
		);
		return { status: r.status, body: r.body, stock };
	};

	beforeAll(async () => {
		mock = await startKafkaMock();
		const env = {
			...KAFKA_MOCK_ENV,
			KAFKA_BROKERS: mock.brokers,
			// A publish gives up long before the outage ends.
			KAFKA_PUBLISH_TIMEOUT_MS: "3000",
			JWT_SECRET: "kafka-chaos-secret",
			ADMIN_EMAIL: ADMIN.email,
			ADMIN_PASSWORD: ADMIN.password,
			NAMESPACE: `kafka-chaos-${randomUUID().slice(0, 8)}`
		};
		front = await startStack({ services: ["api", "users", "products"], env });
		inventory = await startStack({ services: ["inventory"], env });
		api = client(front.baseUrl);
		admin = (await api.post("/api/v1/auth/login", ADMIN)).body.accessToken;
	});

	afterAll(async () => {
		mock?.resume();
		await inventory?.stop();
		await front?.stop();
		await mock?.stop();
	});

	it("gives every product created during the outage its stock record once, when Kafka is back", async () => {
		const before = await create(4);
		expect(before.status).toBe(201);
		await waitFor("the stock of a product created before the outage", () => stockOf(before.body.id), 30_000);

		mock.pause();
		const during = await Promise.all(Array.from({ length: 8 }, (_, i) => create(10 + i)));
		await new Promise(r => setTimeout(r, 5000));
		// Kafka is the only way to inventory: nothing created meanwhile has stock yet.
		const stockedWhileHung = (await Promise.all(during.filter(r => r.status === 201).map(r => stockOf(r.body.id)))).filter(
			Boolean
		).length;
		mock.resume();

		const accepted = during.filter(r => r.status === 201).map(r => r.body.id as string);
		const catalog = (await api.get("/api/v1/products?page=1&pageSize=100")).body.items as Array<{ id: string }>;
		const ids = catalog.map(p => p.id);
		const withoutStock = async () => {
			const without: string[] = [];
			for (const id of ids) if (!(await stockOf(id))) without.push(id);
			return without;
		};
		// Whatever the catalog holds must get its stock (a product kept after a failed create too).
		await waitFor(
			"a stock record for every product in the catalog",
			async () => (await withoutStock()).length === 0,
			60_000,
			500
		).catch(() => undefined);
		const items = (
			(await inventory.broker.call("inventory.list", { page: 1, pageSize: 100 })) as {
				items: Array<{ productId: string; onHand: number }>;
			}
		).items;
		const created = [before, ...during].filter(r => r.status === 201);

		expect({
			// Taken while Kafka hangs: the product and its event are recorded together, the event waits for Kafka.
			answers: during.map(r => (r.status === 201 ? "201" : `${r.status} ${JSON.stringify(r.body)}`)),
			stockedWhileHung,
			acceptedButMissing: accepted.filter(id => !ids.includes(id)),
			productsWithoutStock: await withoutStock(),
			// Once each, with the stock each was created with.
			stockRecords: items.length,
			stockOfCreated: created.map(r => items.find(i => i.productId === r.body.id)?.onHand)
		}).toEqual({
			answers: during.map(() => "201"),
			stockedWhileHung: 0,
			acceptedButMissing: [],
			productsWithoutStock: [],
			stockRecords: ids.length,
			stockOfCreated: created.map(r => r.stock)
		});
	});
});
