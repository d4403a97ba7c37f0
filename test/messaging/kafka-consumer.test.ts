/**
 * Kafka (KAFKA_BROKERS) on librdkafka's mock cluster: products publishes product.events, and
 * inventory, on another node (no Moleculer transporter between them: Kafka is their only link),
 * consumes it in group inventory-consumer-group. Stopped and started again on the same data, the
 * inventory consumer resumes from the offsets it committed: it handles only what was published
 * while it was down, and no stock record is created twice. Offsets are read back with an
 * independent kafkajs admin client.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomUUID } from "node:crypto";
import { Kafka, logLevel } from "kafkajs";
import { startStack, type Stack } from "../helpers/stack";
import { KAFKA_MOCK_ENV, startKafkaMock, type KafkaMock } from "../helpers/kafka-mock";
import { eventually } from "../orders/support";
import { KAFKA_MOCK, MESSAGING_TEST_ENV, consumedCount, describeWith } from "./support";

jest.setTimeout(120_000);

const GROUP = "inventory-consumer-group";

describeWith(KAFKA_MOCK)("Kafka: inventory consumes product.events and resumes from its committed offsets", () => {
	let mock: KafkaMock;
	let products: Stack;
	let inventory: Stack | undefined;
	let env: Record<string, string>;
	const inventoryData = fs.mkdtempSync(path.join(os.tmpdir(), "shop-kafka-inventory-"));

	const startInventory = () => startStack({ services: ["inventory"], env: { ...env, DATA_DIR: inventoryData } });
	const createProduct = async (stock: number) =>
		(await products.broker.call("products.create", {
			name: `Kafka ${randomUUID().slice(0, 8)}`,
			price: 3,
			category: "kafka",
			stock
		})) as {
			id: string;
		};
	const stockOf = (productId: string) =>
		inventory!.broker.call("inventory.getByProduct", { productId }).then(
			item => item as { onHand: number; id: string },
			() => null
		);
	const committed = async () => {
		const kafka = new Kafka({ clientId: "test-admin", brokers: mock.brokers.split(","), logLevel: logLevel.NOTHING });
		const admin = kafka.admin();
		await admin.connect();
		try {
			const [topic] = await admin.fetchOffsets({ groupId: GROUP, topics: ["product.events"] });
			return topic.partitions.reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
		} finally {
			await admin.disconnect();
		}
	};

	beforeAll(async () => {
		mock = await startKafkaMock();
		env = { ...MESSAGING_TEST_ENV, ...KAFKA_MOCK_ENV, KAFKA_BROKERS: mock.brokers };
		products = await startStack({ services: ["products"], env });
		inventory = await startInventory();
	});

	afterAll(async () => {
		await inventory?.stop();
		await products?.stop();
		await mock?.stop();
		fs.rmSync(inventoryData, { recursive: true, force: true });
	});

	it("creates the stock records of products created on another node, and commits the offsets", async () => {
		const [a, b] = [await createProduct(5), await createProduct(7)];
		const itemA = await eventually("stock of A", () => stockOf(a.id), 30_000);
		const itemB = await eventually("stock of B", () => stockOf(b.id), 30_000);
		expect([itemA.onHand, itemB.onHand]).toEqual([5, 7]);
		// The record is written inside the handler; the "handled" count is taken once it returns.
		const handled = () => consumedCount(inventory!.broker, { broker: "kafka", source: "product.events", outcome: "handled" });
		await eventually("both messages counted as handled", async () => handled() >= 2);
		expect(handled()).toBe(2);
		await eventually("offsets committed", async () => (await committed()) === 2);
	});

	it("a restarted consumer handles only what was published while it was down, without duplicating inventory", async () => {
		await inventory!.stop();
		inventory = undefined;
		const [c, d] = [await createProduct(11), await createProduct(13)];

		inventory = await startInventory();
		const itemC = await eventually("stock of C", () => stockOf(c.id), 30_000);
		const itemD = await eventually("stock of D", () => stockOf(d.id), 30_000);
		expect([itemC.onHand, itemD.onHand]).toEqual([11, 13]);
		await eventually("offsets committed", async () => (await committed()) === 4);
		// This node handled the two new events only: it resumed after the committed offsets, not from the beginning.
		expect(consumedCount(inventory.broker, { broker: "kafka", source: "product.events", outcome: "handled" })).toBe(2);
		const all = (await inventory.broker.call("inventory.list", { page: 1, pageSize: 100 })) as {
			total: number;
			items: { productId: string }[];
		};
		expect(all.total).toBe(4);
		expect(new Set(all.items.map(i => i.productId)).size).toBe(4);
	});
});
