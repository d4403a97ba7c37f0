/**
 * The relay lane (lib/outbox/relay-lane.ts) with a real HTTP server and client in this process: a
 * request that arrives while a long line of deliveries waits is answered between two of the lane's
 * turns, not after the whole line; the line keeps its order; a line that waited long gets longer
 * turns; what a request records starts at once, what a step the lane started records waits; and an
 * outbox stopping starts its own queued deliveries at once (the outbox's own use of a lane is in
 * outbox.test.ts).
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { asFlowStep, RelayLane } from "../../lib/outbox/relay-lane";

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
	// The request is on its way; the line (recorded by a step of a flow) is queued before its answer can come.
	asFlowStep(() => {
		for (let i = 0; i < count; i++)
			lane.add(owner, () => {
				busyFor(eachMs);
				started.push(i);
			});
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
			asFlowStep(() => {
				for (let i = 0; i < 10; i++)
					lane.add({}, () => {
						busyFor(1);
						started++;
					});
			});
			busyFor(30); // the event loop held: the line waits 30 ms for its first turn
			const seen = await new Promise<number>(resolve => setImmediate(() => resolve(started)));
			while (lane.waiting) await new Promise(resolve => setImmediate(resolve));
			return seen;
		};
		expect(await startedByNextTurn(20)).toBe(10);
		expect(await startedByNextTurn(60_000)).toBeLessThan(5);
	});

	it("starts at once, as a step, what a request adds; what a step adds waits for a turn", async () => {
		const lane = new RelayLane(1);
		const ran: string[] = [];
		lane.add({}, () => {
			ran.push("set off by a request");
			lane.add({}, () => ran.push("set off by that step"));
		});
		expect(ran).toEqual(["set off by a request"]);
		expect(lane.waiting).toBe(1);
		await new Promise(resolve => setImmediate(resolve));
		expect(ran).toEqual(["set off by a request", "set off by that step"]);
		expect(lane.waiting).toBe(0);
	});

	it("starts the queued deliveries of one owner at once on flush, in order, and leaves the others queued", async () => {
		const lane = new RelayLane(1);
		const mine = {};
		const theirs = {};
		const ran: string[] = [];
		asFlowStep(() => {
			lane.add(mine, () => ran.push("mine 1"));
			lane.add(theirs, () => ran.push("theirs"));
			lane.add(mine, () => ran.push("mine 2"));
		});
		expect(lane.waiting).toBe(3);
		lane.flush(mine);
		expect(ran).toEqual(["mine 1", "mine 2"]);
		expect(lane.waiting).toBe(1);
		await new Promise(resolve => setImmediate(resolve));
		expect(ran).toEqual(["mine 1", "mine 2", "theirs"]);
		expect(lane.waiting).toBe(0);
	});
});
