/**
 * A Kafka group member that the group forgets must join again by itself. On librdkafka's mock
 * cluster: the cluster hangs (SIGSTOP) for longer than the session timeout while the consumer is in
 * the middle of a message, so the coordinator drops the member; its offset commit then fails with
 * "The coordinator is not aware of this member", an error after which kafkajs stops the consumer
 * for good. The consumer must rejoin, handle the uncommitted message again (at least once) and then
 * what is published next; the client's health says so while the member is out of its group.
 */
import { createEvent } from "../../lib/events";
import { KafkaClient } from "../../lib/messaging/kafka";
import { messagingSettings } from "../../lib/messaging/settings";
import { KAFKA_MOCK_ENV, startKafkaMock, type KafkaMock } from "../helpers/kafka-mock";
import { eventually, sleep } from "../orders/support";
import { KAFKA_MOCK, describeWith } from "./support";

jest.setTimeout(90_000);

const TOPIC = "rejoin.events";

describeWith(KAFKA_MOCK)("Kafka consumer on the mock cluster: a member the group forgot joins again", () => {
	let mock: KafkaMock;
	let client: KafkaClient;
	const warnings: string[] = [];
	const healthWhenDropped: string[] = [];
	const logger = {
		debug: () => undefined,
		info: () => undefined,
		warn: (...args: unknown[]) => {
			warnings.push(args.join(" "));
			// The client's health as the consumer is dropped from its group (it says so before rejoining).
			if (/joining the group again/.test(String(args[0]))) healthWhenDropped.push(client.health());
		},
		error: (...args: unknown[]) => void warnings.push(args.join(" "))
	};

	beforeAll(async () => {
		mock = await startKafkaMock();
		const settings = messagingSettings({ ...KAFKA_MOCK_ENV, KAFKA_PUBLISH_TIMEOUT_MS: "10000" }).kafka;
		client = new KafkaClient({ brokers: mock.brokers.split(","), clientId: "rejoin-test", settings, logger });
		await client.start();
	});

	afterAll(async () => {
		mock?.resume();
		await client?.close();
		await mock?.stop();
	});

	it("handles the message it could not commit again, then the next one", async () => {
		const first = createEvent("test", "rejoin.happened", "key-1", { n: 1 });
		// One key: one partition, so the two come in the order they were published.
		const second = createEvent("test", "rejoin.happened", "key-1", { n: 2 });
		const handled: string[] = [];
		await client.consume({
			topic: TOPIC,
			group: "rejoin-group",
			retry: { attempts: 3, delayMs: 100, maxDelayMs: 500 },
			handle: async event => {
				handled.push(event.id);
				if (handled.length > 1) return;
				// The cluster hangs past the session timeout (3 s) while this message is handled.
				mock.pause();
				await sleep(6000);
				mock.resume();
				await sleep(1500);
			}
		});

		await eventually("the consumer in its group, the client up", async () => client.health() === "up", 30_000);
		await client.publish(TOPIC, first);
		await eventually("the first message handled once", async () => handled.length >= 1, 30_000);
		await eventually("the first message's commit refused", async () => warnings.some(w => /not aware of this member/.test(w)), 30_000);
		await client.publish(TOPIC, second);
		await eventually("the second message handled", async () => handled.includes(second.id), 30_000, 100).catch(() => undefined);

		expect({
			// Not committed, so handled again after the rejoin; then the next one.
			handled: handled.map(id => (id === first.id ? "first" : id === second.id ? "second" : id)),
			rejoined: warnings.some(w => /joining the group again/.test(w)),
			// Each time the group dropped it (once here; a second crash while rejoining would say the same).
			healthWhenDropped: [...new Set(healthWhenDropped)],
			healthAfter: client.health()
		}).toEqual({
			handled: ["first", "first", "second"],
			rejoined: true,
			healthWhenDropped: [`joining the group: ${TOPIC} (rejoin-group)`],
			healthAfter: "up"
		});
	});
});
