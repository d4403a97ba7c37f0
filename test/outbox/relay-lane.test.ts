/**
 * The relay lane (lib/outbox/relay-lane.ts) with a real HTTP server and client in this process: a
 * request that arrives while a long line of deliveries waits is answered between two of the lane's
 * turns, not after the whole line; the line keeps its order; a line that waited long gets longer
 * turns; and an outbox stopping starts its own queued deliveries at once. Then the outbox on the
 * real embedded store with a lane: its poller leaves alone a record waiting in the lane, however
 * long its lease has run out.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { createStores, type Store } from "../../lib/store";
import type { DomainEvent } from "../../lib/events";
import { outboxCollection, type OutboxRecord } from "../../lib/outbox/collections";
import { Outbox } from "../../lib/outbox/outbox";
import { RelayLane } from "../../lib/outbox/relay-lane";

const busyFor = (ms: number) => {
	const end = performance.now() + ms;
	while (performance.now() < end);
};

/** Queues `count` deliveries of `eachMs` of work each, then asks `url`: answers at which delivery the request got its answer. */
async function answeredAt(lane: RelayLane, url: string, count: number, eachMs: number): Promise<{ at: number; started: number[] }> {
	const started: number[] = [];
	const owner = {};
	const answer = new Promise<number>((resolve, reject) => {
		http.get(url, res => {
			res.resume();
			res.on("end", () => resolve(started.length));
		}).on("error", reject);
	});
	// The request is on its way; the line is queued before its answer can come.
	for (let i = 0; i < count; i++)
		lane.add(owner, () => {
			busyFor(eachMs);
			started.push(i);
		});
	const at = await answer;
	await new Promise<void>(resolve => {
		const wait = () => (started.length === count ? resolve() : setTimeout(wait, 5));
		wait();
	});
	return { at, started };
}

describe("relay lane: deliveries in short turns, requests in between", () => {
	let server: http.Server;
	let url: string;

	beforeAll(async () => {
		server = http.createServer((_req, res) => res.end("ok"));
		await new Promise<void>(resolve => server.listen(0, "127.0.0.1", resolve));
		url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
	});
	afterAll(async () => {
		await new Promise(resolve => server.close(resolve));
	});

	it("answers a request between two turns of a long line of deliveries, which keeps its order", async () => {
		// 100 deliveries of 2 ms each: 200 ms of work in turns of about 4 ms.
		const { at, started } = await answeredAt(new RelayLane(4, 60_000), url, 100, 2);
		expect(at).toBeLessThan(50);
		expect(started).toEqual([...Array(100).keys()]);
	});

	it("without a turn length, starts every delivery at once: the request waits for the whole line", async () => {
		const { at } = await answeredAt(new RelayLane(0), url, 50, 2);
		expect(at).toBe(50);
	});

	it("makes a turn longer as the oldest delivery in line waits: ten times as long once it waited the lag", async () => {
		const startedByNextTurn = async (lagMs: number) => {
			const lane = new RelayLane(1, lagMs);
			let started = 0;
			for (let i = 0; i < 10; i++)
				lane.add({}, () => {
					busyFor(1);
					started++;
				});
			busyFor(30); // the event loop held: the line waits 30 ms for its first turn
			const seen = await new Promise<number>(resolve => setImmediate(() => resolve(started)));
			while (lane.waiting) await new Promise(resolve => setImmediate(resolve));
			return seen;
		};
		expect(await startedByNextTurn(20)).toBe(10);
		expect(await startedByNextTurn(60_000)).toBeLessThan(5);
	});

	it("starts the queued deliveries of one owner at once on flush, in order, and leaves the others queued", async () => {
		const lane = new RelayLane(1);
		const mine = {};
		const theirs = {};
		const ran: string[] = [];
		lane.add(mine, () => ran.push("mine 1"));
		lane.add(theirs, () => ran.push("theirs"));
		lane.add(mine, () => ran.push("mine 2"));
		expect(lane.waiting).toBe(3);
		lane.flush(mine);
		expect(ran).toEqual(["mine 1", "mine 2"]);
		expect(lane.waiting).toBe(1);
		await new Promise(resolve => setImmediate(resolve));
		expect(ran).toEqual(["mine 1", "mine 2", "theirs"]);
		expect(lane.waiting).toBe(0);
	});
});

describe("outbox with a relay lane (embedded store; delivery to a test function)", () => {
	interface Thing {
		id: string;
		name: string;
		[key: string]: unknown;
	}
	const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
	let things: Store<Thing>;
	let records: Store<OutboxRecord>;

	beforeEach(async () => {
		const stores = createStores([{ name: "things", fields: { name: { type: "string" } } }, outboxCollection("things")], {
			uri: null,
			dataDir: null,
			connectTimeoutMs: 1000
		});
		things = stores.things as Store<Thing>;
		records = stores.things_outbox as unknown as Store<OutboxRecord>;
		await things.connect();
		await records.connect();
	});
	afterEach(async () => {
		await things.disconnect();
		await records.disconnect();
	});

	it("keeps its poller off a record waiting in the lane, and delivers it once, not as a first delivery once its lease ran out", async () => {
		// A lane that holds its deliveries until told (a turn that never comes on its own).
		const held: Array<() => void> = [];
		const lane = new (class extends RelayLane {
			override add(_owner: object, start: () => void) {
				held.push(start);
			}
		})(1);
		const delivered: Array<{ event: DomainEvent<unknown>; first: boolean }> = [];
		const box = new Outbox({
			source: "things",
			records,
			settings: { pollMs: 0, leaseMs: 1, retryMaxMs: 100, batch: 100 },
			logger: quiet,
			lane,
			deliver: async (event, first) => {
				delivered.push({ event, first });
			}
		});
		await box.write(async w => {
			const t = await w.bind(things).insert({ name: "a" });
			w.stage("thing.created", t.id, { name: "a" });
		});
		await new Promise(resolve => setTimeout(resolve, 5)); // the 1 ms lease has run out
		expect(await box.poll()).toBe(0);
		expect(delivered).toEqual([]);
		expect(held).toHaveLength(1);
		held[0]!();
		await new Promise(resolve => setImmediate(resolve));
		expect(delivered).toHaveLength(1);
		expect(delivered[0]).toMatchObject({ event: { type: "thing.created" }, first: false });
		expect(await box.poll()).toBe(0);
		expect(delivered).toHaveLength(1);
	});

	it("starts its queued deliveries when it stops, and has them done before stop() answers", async () => {
		const lane = new RelayLane(1);
		const delivered: string[] = [];
		const box = new Outbox({
			source: "things",
			records,
			settings: { pollMs: 0, leaseMs: 10_000, retryMaxMs: 100, batch: 100 },
			logger: quiet,
			lane,
			deliver: async event => {
				await new Promise(resolve => setTimeout(resolve, 20));
				delivered.push(event.type);
			}
		});
		await box.write(async w => {
			const t = await w.bind(things).insert({ name: "b" });
			w.stage("thing.created", t.id, { name: "b" });
		});
		expect(lane.waiting).toBe(1);
		await box.stop();
		expect(delivered).toEqual(["thing.created"]);
		expect(await records.count()).toBe(0);
	});
});
