/**
 * The Redis stream consumer (lib/messaging/redis.ts) against the machine's Redis: a consumer group
 * reads and acknowledges new entries, takes over the entries a crashed consumer left pending, and
 * moves an entry that keeps failing to `<stream>:dlq`. Each run uses its own stream key, deleted after.
 */
import { randomUUID } from "node:crypto";
import Redis from "ioredis";
import { RedisStreamConsumer, type StreamEntry } from "../../lib/messaging/redis";
import { eventually } from "../orders/support";
import { REDIS, describeWith } from "./support";

const URL = "redis://127.0.0.1:6379";

describeWith(REDIS)("Redis stream consumer group", () => {
	const stream = `shop-test:${randomUUID()}:stream`;
	const group = "notifications";
	let redis: Redis;
	const consumers: RedisStreamConsumer[] = [];

	const add = (n: number, tag: string) =>
		Promise.all(
			Array.from({ length: n }, (_, i) => redis.xadd(stream, "MAXLEN", "~", 1000, "*", "type", "test", "tag", `${tag}-${i}`))
		);

	const consumer = (name: string, handler: (e: StreamEntry) => Promise<void>, extra: object = {}) => {
		const c = new RedisStreamConsumer({ url: URL, stream, group, consumer: name, handler, claimIdleMs: 300, blockMs: 200, ...extra });
		consumers.push(c);
		c.start();
		return c;
	};

	const pendingCount = async () => Number(((await redis.xpending(stream, group)) as unknown[])[0]);

	beforeAll(() => {
		redis = new Redis(URL);
	});

	afterAll(async () => {
		await Promise.all(consumers.map(c => c.stop()));
		await redis.del(stream, `${stream}:dlq`);
		await redis.quit();
	});

	it("reads new entries through the group and acknowledges each once handled", async () => {
		const seen: string[] = [];
		const c = consumer("alive-1", async e => void seen.push(e.fields.tag));
		await add(5, "first");
		await eventually("5 entries handled", async () => seen.length === 5);
		expect(seen.sort()).toEqual(["first-0", "first-1", "first-2", "first-3", "first-4"]);
		await eventually("nothing pending", async () => (await pendingCount()) === 0);
		await c.stop();
	});

	it("reclaims the entries a crashed consumer left pending (XAUTOCLAIM), and handles each exactly once", async () => {
		await add(4, "orphan");
		// A consumer that read its entries and died before acknowledging them (a raw client, as a crash leaves it).
		const read = (await redis.xreadgroup("GROUP", group, "crashed-1", "COUNT", 10, "STREAMS", stream, ">")) as [
			string,
			[string, string[]][]
		][];
		const orphans = read[0][1].map(([id]) => id);
		expect(orphans).toHaveLength(4);
		expect(await pendingCount()).toBe(4);

		const seen: string[] = [];
		const ids: string[] = [];
		consumer("alive-2", async e => {
			seen.push(e.fields.tag);
			ids.push(e.id);
		});
		await add(2, "fresh");
		await eventually("the orphans and the fresh entries handled", async () => seen.length >= 6, 10_000);
		await new Promise(r => setTimeout(r, 800));
		expect([...seen].sort()).toEqual(["fresh-0", "fresh-1", "orphan-0", "orphan-1", "orphan-2", "orphan-3"]);
		expect(new Set(ids).size).toBe(ids.length);
		expect(ids).toEqual(expect.arrayContaining(orphans));
		await eventually("nothing pending", async () => (await pendingCount()) === 0);
	});

	it("retries a failing entry through the pending list, then moves it to <stream>:dlq with its error", async () => {
		let attempts = 0;
		const ok: string[] = [];
		await Promise.all(consumers.map(c => c.stop()));
		consumer(
			"alive-3",
			async e => {
				if (e.fields.tag.startsWith("poison")) {
					attempts++;
					throw new Error("cannot handle this one");
				}
				ok.push(e.fields.tag);
			},
			{ maxDeliveries: 3 }
		);
		await add(1, "poison");
		await add(3, "good");
		await eventually("the good entries handled", async () => ok.length === 3, 10_000);
		const dead = await eventually(
			"the poison entry dead-lettered",
			async () => {
				const entries = await redis.xrange(`${stream}:dlq`, "-", "+");
				return entries.length ? entries : null;
			},
			15_000
		);
		const fields = Object.fromEntries(
			dead[0][1].reduce<string[][]>((pairs, v, i, all) => (i % 2 ? pairs : [...pairs, [v, all[i + 1]]]), [])
		);
		expect(fields.tag).toBe("poison-0");
		expect(fields["x-error"]).toMatch(/more than 3 times/);
		expect(attempts).toBe(3);
		await eventually("nothing pending", async () => (await pendingCount()) === 0);
	});
});
