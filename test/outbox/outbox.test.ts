/**
 * The outbox on the real embedded store, with the relay's destination a test function (standing in
 * for the bus and the brokers, which other suites cover): an event is stored with its change or not
 * at all, delivered after the commit, kept and retried while delivery fails, and taken over from a
 * writer that died before delivering it; with a relay lane, its own poller leaves alone what waits in
 * the lane, and stopping starts what waits there.
 */
import { createStores, type Store } from "../../lib/store";
import type { DomainEvent } from "../../lib/events";
import { outboxCollection, type OutboxRecord } from "../../lib/outbox/collections";
import { Outbox, type OutboxSettings } from "../../lib/outbox/outbox";
import { asFlowStep, RelayLane } from "../../lib/outbox/relay-lane";

interface Thing {
	id: string;
	name: string;
	[key: string]: unknown;
}

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const until = async (check: () => boolean | Promise<boolean>, ms = 5000) => {
	const end = Date.now() + ms;
	while (!(await check())) {
		if (Date.now() > end) throw new Error("timed out");
		await new Promise(r => setTimeout(r, 10));
	}
};

describe("outbox (embedded store; delivery to a test function)", () => {
	let things: Store<Thing>;
	let records: Store<OutboxRecord>;
	let delivered: DomainEvent<unknown>[];
	let failing: boolean;
	const settings: OutboxSettings = { pollMs: 0, leaseMs: 200, retryMaxMs: 100, batch: 100 };

	const outbox = (extra: Partial<OutboxSettings> = {}) =>
		new Outbox({
			source: "things",
			records,
			settings: { ...settings, ...extra },
			logger: quiet,
			deliver: async event => {
				if (failing) throw new Error("broker down");
				delivered.push(event);
			}
		});

	beforeEach(async () => {
		const stores = createStores([{ name: "things", fields: { name: { type: "string", unique: true } } }, outboxCollection("things")], {
			uri: null,
			dataDir: null,
			connectTimeoutMs: 1000
		});
		things = stores.things as Store<Thing>;
		records = stores.things_outbox as unknown as Store<OutboxRecord>;
		await things.connect();
		await records.connect();
		delivered = [];
		failing = false;
	});
	afterEach(async () => {
		await things.disconnect();
		await records.disconnect();
	});

	it("stores the event with its change and delivers it after the commit, then forgets it", async () => {
		const box = outbox();
		const thing = await box.write(
			async w => {
				const t = await w.bind(things).insert({ name: "a" });
				w.stage("thing.created", t.id, { name: "a" });
				return t;
			},
			{ requestId: "request-1" }
		);
		await until(() => delivered.length === 1);
		expect(delivered[0]).toMatchObject({ type: "thing.created", subject: thing.id, source: "things", correlationid: "request-1" });
		await until(async () => (await records.count()) === 0);
	});

	it("stores neither the change nor its event when the write fails", async () => {
		const box = outbox();
		await box.write(async w => void (await w.bind(things).insert({ name: "taken" })));
		await until(async () => (await records.count()) === 0);
		delivered = [];
		await expect(
			box.write(async w => {
				w.stage("thing.created", "x", {});
				await w.bind(things).insert({ name: "taken" });
			})
		).rejects.toThrow(/Duplicate/);
		expect(await records.count()).toBe(0);
		await new Promise(r => setTimeout(r, 50));
		expect(delivered).toEqual([]);
	});

	it("a stage from inside a write joins it; outside one it is a write of its own", async () => {
		const box = outbox();
		await box.write(async w => {
			await w.bind(things).insert({ name: "joined" });
			await box.stage("thing.joined", "s", {});
			expect(await w.bind(records).count()).toBe(0); // recorded at the commit, with the change
		});
		await box.stage("thing.alone", "s", {});
		await until(() => delivered.length === 2);
		expect(delivered.map(e => e.type).sort()).toEqual(["thing.alone", "thing.joined"]);
	});

	it("keeps an event whose delivery failed, with its attempt and error, and delivers it once the destination is back", async () => {
		const box = outbox();
		failing = true;
		await box.stage("thing.created", "s1", { n: 1 });
		await until(async () => ((await records.find())[0]?.attempts ?? 0) === 1);
		const [kept] = await records.find();
		expect(kept).toMatchObject({ type: "thing.created", attempts: 1, lastError: "broker down" });
		expect(await box.poll()).toBe(0); // not due yet (backoff)
		failing = false;
		await until(async () => (await box.poll(Date.now() + 1000)) === 1 || delivered.length === 1);
		expect(delivered.map(e => e.type)).toEqual(["thing.created"]);
		await until(async () => (await records.count()) === 0);
	});

	it("delivers what a writer that died left once its lease has run out, and two relays deliver each event once", async () => {
		// The records a crashed writer left: under lease, never delivered.
		const left = outbox({ leaseMs: 60_000 });
		failing = true; // it dies before any delivery goes through
		for (let i = 0; i < 20; i++) await left.stage("thing.created", `s${i}`, { i });
		await until(async () => (await records.find({ where: { attempts: 1 } })).length === 20);
		const leaseEnd = Date.now() + 60_000;
		await records.updateMany({}, { set: { nextAttemptAt: leaseEnd } });
		failing = false;

		const a = outbox({ leaseMs: 60_000 });
		const b = outbox({ leaseMs: 60_000 });
		expect(await a.poll()).toBe(0); // still under its writer's lease
		// Once it ran out, two relays polling at once share them, each event going once.
		const [byA, byB] = await Promise.all([a.poll(leaseEnd + 1), b.poll(leaseEnd + 1)]);
		expect(byA + byB).toBe(20);
		await until(async () => (await records.count()) === 0);
		expect(delivered.map(e => (e.data as { i: number }).i).sort((x, y) => x - y)).toEqual([...Array(20).keys()]);
	});

	it("its own poller leaves alone a record whose write has not committed yet, though its lease ran out", async () => {
		const box = outbox({ leaseMs: 1 });
		let open!: () => void;
		const gate = new Promise<void>(resolve => (open = resolve));
		const writing = box.write(async w => {
			w.stage("thing.created", "slow", { n: 1 });
			await gate; // the write's transaction stays open, as behind a long line of others
		});
		await new Promise(r => setTimeout(r, 20));
		// The poll's read waits for the transaction's end, then reads on the same connection before the commit.
		const polling = box.poll(Date.now() + 60_000);
		open();
		await Promise.all([writing, polling]);
		await until(async () => (await records.count()) === 0);
		expect(delivered.map(e => e.subject)).toEqual(["slow"]);
	});

	it("its own poller leaves alone a delivered record whose removal has not completed, though its lease ran out", async () => {
		// A removal that takes long to commit (a deferred commit, a remote database under load).
		let removalDone!: () => void;
		const removal = new Promise<void>(resolve => (removalDone = resolve));
		const slowRemoval = new Proxy(records, {
			get: (target, key, receiver) =>
				key === "removeMany"
					? async (...args: Parameters<Store<OutboxRecord>["removeMany"]>) => {
							await removal;
							return target.removeMany(...args);
						}
					: Reflect.get(target, key, receiver)
		});
		const box = new Outbox({
			source: "things",
			records: slowRemoval,
			settings: { ...settings, leaseMs: 1 },
			logger: quiet,
			deliver: async event => void delivered.push(event)
		});
		await box.stage("thing.created", "delivered", { n: 1 });
		await until(() => delivered.length === 1);
		expect(await box.poll(Date.now() + 60_000)).toBe(0);
		removalDone();
		await until(async () => (await records.count()) === 0);
		expect(delivered.map(e => e.subject)).toEqual(["delivered"]);
	});

	it("holds a subject's later events while an earlier one of it fails (Kafka keeps a subject's order)", async () => {
		const box = outbox();
		failing = true;
		await box.stage("thing.created", "same", { step: 1 });
		await box.stage("thing.updated", "same", { step: 2 });
		await until(async () => (await records.find({ where: { attempts: 1 } })).length === 2);
		let first = true;
		failing = false;
		const ordered = new Outbox({
			source: "things",
			records,
			settings,
			logger: quiet,
			deliver: async event => {
				// The first attempt of the earlier event fails once more.
				if (first && (event.data as { step: number }).step === 1) {
					first = false;
					throw new Error("still down");
				}
				delivered.push(event);
			}
		});
		expect(await ordered.poll(Date.now() + 10_000)).toBe(0);
		expect(delivered).toEqual([]);
		await ordered.poll(Date.now() + 20_000);
		expect(delivered.map(e => (e.data as { step: number }).step)).toEqual([1, 2]);
	});

	describe("with a relay lane (lib/outbox/relay-lane.ts)", () => {
		const laned = (lane: RelayLane, leaseMs: number, deliver: (event: DomainEvent<unknown>, first: boolean) => Promise<void>) =>
			new Outbox({ source: "things", records, settings: { ...settings, leaseMs }, logger: quiet, lane, deliver });
		const created = (box: Outbox, name: string) =>
			box.write(async w => {
				const t = await w.bind(things).insert({ name });
				w.stage("thing.created", t.id, { name });
			});

		it("its poller leaves alone a record waiting in the lane, which is delivered once, not as a first delivery once its lease ran out", async () => {
			// A lane that holds its deliveries until told (a turn that never comes on its own).
			const held: Array<() => void> = [];
			const lane = new (class extends RelayLane {
				override add(_owner: object, start: () => void) {
					held.push(start);
				}
			})(1);
			const seen: Array<{ event: DomainEvent<unknown>; first: boolean }> = [];
			const box = laned(lane, 1, async (event, first) => void seen.push({ event, first }));
			await created(box, "a");
			await new Promise(resolve => setTimeout(resolve, 5)); // the 1 ms lease has run out
			expect(await box.poll()).toBe(0);
			expect(seen).toEqual([]);
			expect(held).toHaveLength(1);
			held[0]!();
			await new Promise(resolve => setImmediate(resolve));
			expect(seen).toHaveLength(1);
			expect(seen[0]).toMatchObject({ event: { type: "thing.created" }, first: false });
			expect(await box.poll()).toBe(0);
			expect(seen).toHaveLength(1);
		});

		it("starts its queued deliveries when it stops, and has them done before stop() answers", async () => {
			const lane = new RelayLane(1);
			const box = laned(lane, 10_000, async event => {
				await new Promise(resolve => setTimeout(resolve, 20));
				delivered.push(event);
			});
			await asFlowStep(() => created(box, "b"));
			expect(lane.waiting).toBe(1);
			await box.stop();
			expect(delivered.map(e => e.type)).toEqual(["thing.created"]);
			expect(await records.count()).toBe(0);
		});
	});
});
