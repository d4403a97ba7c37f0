/**
 * Crash recovery and ownership of reservations, on the domain objects directly (embedded store in
 * memory), with a short "stuck" delay: a worker that died half-way, a worker that is replaced
 * while still running, and a duplicate that waits for an in-flight reservation.
 */
import { createStores, TransactionsUnsupportedError, type Store } from "../../lib/store";
import {
	itemsCollection,
	movementsCollection,
	reservationsCollection,
	type ItemDoc,
	type MovementDoc,
	type ReservationDoc
} from "../../lib/inventory/collections";
import { createInventory, type Inventory, type InventoryStores } from "../../lib/inventory/inventory";
import type { OpContext } from "../../lib/inventory/op-context";
import { defaultLowStockThreshold } from "../../lib/inventory/threshold";
import { normalizeLines } from "../../lib/inventory/order-lines";
import { movementTotals } from "./helpers";

const STUCK_MS = 60;

describe("reservation crash recovery (embedded store in memory)", () => {
	let stores: InventoryStores;
	let inv: Inventory;
	let emitted: Array<{ type: string; subject: string; data: any }>;
	let op: OpContext;

	beforeEach(async () => {
		// One database for the three, as in the inventory service, so a step can be one transaction.
		const all = createStores([itemsCollection, reservationsCollection, movementsCollection], {
			uri: null,
			dataDir: null,
			connectTimeoutMs: 1000
		});
		stores = {
			items: all[itemsCollection.name] as unknown as Store<ItemDoc>,
			reservations: all[reservationsCollection.name] as unknown as Store<ReservationDoc>,
			movements: all[movementsCollection.name] as unknown as Store<MovementDoc>
		};
		for (const s of Object.values(stores)) await s.connect();
		inv = createInventory(stores, { stuckAfterMs: STUCK_MS, logger: { warn: () => undefined, error: () => undefined } });
		emitted = [];
		op = { actor: "test", emit: async (type, subject, data) => void emitted.push({ type, subject, data }) };
	});
	afterEach(async () => {
		for (const s of Object.values(stores)) await s.disconnect();
	});

	async function expectConsistent(item: ItemDoc) {
		const now = (await stores.items.findById(item.id))!;
		expect(now.available).toBe(now.onHand - now.reserved);
		const moves = await stores.movements.find({ where: { itemId: item.id } });
		expect(movementTotals(moves)).toEqual({ onHand: now.onHand, reserved: now.reserved });
		return now;
	}

	/** What a worker that died after applying (and recording) `heldLines` leaves behind. */
	async function abandonedReservation(
		orderId: string,
		lines: ReservationDoc["lines"],
		heldLines: ReservationDoc["lines"],
		ageMs: number
	) {
		for (const line of heldLines) {
			const after = await stores.items.updateById(line.itemId!, { inc: { reserved: line.quantity, available: -line.quantity } });
			await inv.movements.record(op, after!, { type: "reserve", quantity: line.quantity, inc: { reserved: line.quantity }, orderId });
		}
		const at = new Date(Date.now() - ageMs).toISOString();
		return stores.reservations.insert({
			orderId,
			status: "reserving",
			lines,
			applied: heldLines,
			version: heldLines.length,
			createdAt: at,
			updatedAt: at
		});
	}

	it("rolls back an abandoned reservation's applied lines and reserves again when the order is re-driven", async () => {
		const a = await inv.stock.create(op, "a", 10);
		const b = await inv.stock.create(op, "b", 10);
		const lines = [
			{ productId: "a", quantity: 2, itemId: a.id },
			{ productId: "b", quantity: 3, itemId: b.id }
		];
		await abandonedReservation("o1", lines, [lines[0]], STUCK_MS * 2);

		await expect(
			inv.reservations.reserve(op, "o1", [
				{ productId: "a", quantity: 2 },
				{ productId: "b", quantity: 3 }
			])
		).resolves.toEqual({ status: "reserved" });
		expect(await expectConsistent(a)).toMatchObject({ onHand: 10, reserved: 2, available: 8 });
		expect(await expectConsistent(b)).toMatchObject({ onHand: 10, reserved: 3, available: 7 });
		expect((await inv.reservations.find("o1"))!).toMatchObject({ status: "reserved", applied: lines });
		expect(emitted.filter(e => e.type === "inventory.reserved")).toHaveLength(1);
		const aMoves = await stores.movements.find({ where: { itemId: a.id, orderId: "o1" } });
		expect(aMoves.map(m => m.type).sort()).toEqual(["release", "reserve", "reserve"]);
	});

	it("rolls back and fails an abandoned reservation that is now short", async () => {
		const a = await inv.stock.create(op, "a", 5);
		const lines = [{ productId: "a", quantity: 4, itemId: a.id }];
		await abandonedReservation("o2", lines, lines, STUCK_MS * 2);
		await inv.stock.adjust(op, (await stores.items.findById(a.id))!, -1, "broken"); // 4 on hand, all 4 held by the abandoned order
		// The retry after the rollback finds 4 available again: reserved.
		await expect(inv.reservations.reserve(op, "o2", [{ productId: "a", quantity: 4 }])).resolves.toEqual({ status: "reserved" });
		expect(await expectConsistent(a)).toMatchObject({ onHand: 4, reserved: 4, available: 0 });

		const c = await inv.stock.create(op, "c", 3);
		// The abandoned order holds 2 of its 3; meanwhile another order takes the last free one.
		await abandonedReservation(
			"o3",
			[{ productId: "c", quantity: 3, itemId: c.id }],
			[{ productId: "c", quantity: 2, itemId: c.id }],
			STUCK_MS * 2
		);
		await expect(inv.reservations.reserve(op, "other", [{ productId: "c", quantity: 1 }])).resolves.toEqual({ status: "reserved" });
		// After its rollback only 2 are free: the retried reservation fails and holds nothing.
		await expect(inv.reservations.reserve(op, "o3", [{ productId: "c", quantity: 3 }])).resolves.toEqual({
			status: "failed",
			productId: "c"
		});
		expect(await expectConsistent(c)).toMatchObject({ onHand: 3, reserved: 1, available: 2 });
		expect((await inv.reservations.find("o3"))!).toMatchObject({ status: "failed", failedProductId: "c", applied: [] });
	});

	it("a duplicate waits for an in-flight reservation instead of taking it over", async () => {
		const a = await inv.stock.create(op, "a", 10);
		const lines = [{ productId: "a", quantity: 1, itemId: a.id }];
		const fresh = await abandonedReservation("o4", lines, [], 0);
		const duplicate = inv.reservations.reserve(op, "o4", [{ productId: "a", quantity: 1 }]);
		await new Promise(r => setTimeout(r, STUCK_MS / 3));
		// The original worker finishes meanwhile (simulated): the duplicate answers its outcome.
		await stores.items.updateById(a.id, { inc: { reserved: 1, available: -1 } });
		await stores.reservations.updateById(fresh.id, { set: { status: "reserved", applied: lines }, inc: { version: 2 } });
		await expect(duplicate).resolves.toEqual({ status: "reserved" });
		expect((await stores.items.findById(a.id))!).toMatchObject({ reserved: 1, available: 9 });
	});

	it("a worker replaced between two lines: its next line is undone with its transaction, and the reservation completes once", async () => {
		const a = await inv.stock.create(op, "a", 10);
		const b = await inv.stock.create(op, "b", 10);
		// Right before the second line's transaction, another worker takes the reservation over (the version moves).
		const realTransaction = stores.reservations.transaction.bind(stores.reservations);
		let steps = 0;
		stores.reservations.transaction = async work => {
			if (++steps === 2) {
				const r = (await stores.reservations.findOne({ orderId: "o5" }))!;
				await stores.reservations.updateById(r.id, { set: { updatedAt: new Date(0).toISOString() }, inc: { version: 1 } });
			}
			return realTransaction(work);
		};
		await expect(
			inv.reservations.reserve(op, "o5", [
				{ productId: "b", quantity: 4 },
				{ productId: "a", quantity: 3 }
			])
		).resolves.toEqual({ status: "reserved" });
		expect(await expectConsistent(a)).toMatchObject({ reserved: 3, available: 7 });
		expect(await expectConsistent(b)).toMatchObject({ reserved: 4, available: 6 });
		const moves = async (item: ItemDoc) =>
			(await stores.movements.find({ where: { itemId: item.id, orderId: "o5" } })).map(m => `${m.type}:${m.reason ?? ""}`).sort();
		// The first line was recorded, so the new owner gave it back; the second left no trace.
		expect(await moves(a)).toEqual(["release:abandoned reservation rolled back", "reserve:", "reserve:"]);
		expect(await moves(b)).toEqual(["reserve:"]);
	});

	it("without transactions (a standalone MongoDB, simulated), a replaced worker gives back the line it could not record", async () => {
		stores.reservations.transaction = () => Promise.reject(new TransactionsUnsupportedError("simulated: no transactions here"));
		const a = await inv.stock.create(op, "a", 10);
		const b = await inv.stock.create(op, "b", 10);
		// Make the first record of an applied line lose against a take-over (the version moves under it).
		const realUpdate = stores.reservations.updateById.bind(stores.reservations);
		let raced = false;
		stores.reservations.updateById = async (id, update, where) => {
			if (!raced && update.set && "applied" in update.set && (update.set.applied as unknown[]).length === 1) {
				raced = true;
				await realUpdate(id, { set: { updatedAt: new Date(0).toISOString() }, inc: { version: 1 } });
			}
			return realUpdate(id, update, where);
		};
		await expect(
			inv.reservations.reserve(op, "o5", [
				{ productId: "b", quantity: 4 },
				{ productId: "a", quantity: 3 }
			])
		).resolves.toEqual({ status: "reserved" });
		expect(raced).toBe(true);
		expect(await expectConsistent(a)).toMatchObject({ reserved: 3, available: 7 });
		expect(await expectConsistent(b)).toMatchObject({ reserved: 4, available: 6 });
		const aMoves = await stores.movements.find({ where: { itemId: a.id, orderId: "o5" } });
		expect(aMoves.map(m => `${m.type}:${m.reason ?? ""}`).sort()).toEqual(["release:reservation taken over", "reserve:", "reserve:"]);
	});
});

describe("inventory rules", () => {
	it("default low-stock threshold is max(5, ceil(10% of the initial stock))", () => {
		expect([0, 1, 49, 50, 51, 57, 100, 1000].map(defaultLowStockThreshold)).toEqual([5, 5, 5, 5, 6, 6, 10, 100]);
	});

	it("order lines are merged per product and sorted by productId; bad lines are refused", () => {
		expect(
			normalizeLines([
				{ productId: "b", quantity: 1 },
				{ productId: "a", quantity: 2 },
				{ productId: "b", quantity: 3 },
				{ productId: "B", quantity: 1 }
			])
		).toEqual([
			{ productId: "B", quantity: 1 },
			{ productId: "a", quantity: 2 },
			{ productId: "b", quantity: 4 }
		]);
		expect(() => normalizeLines([])).toThrow();
		expect(() => normalizeLines([{ productId: "a", quantity: -1 }])).toThrow();
		expect(() => normalizeLines([{ productId: "a", quantity: 1.5 }])).toThrow();
		expect(() => normalizeLines([{ productId: "", quantity: 1 }])).toThrow();
	});
});
