/**
 * The stock audit (lib/inventory/stock-audit.ts): units an item holds that no live reservation lists
 * are given back, with their movement; nothing else changes. Then the admin route and its metrics
 * through the real gateway.
 */
import { randomUUID } from "node:crypto";
import { createInventory, type Inventory } from "../../lib/inventory/inventory";
import {
	itemsCollection,
	movementsCollection,
	reservationsCollection,
	type ItemDoc,
	type MovementDoc,
	type ReservationDoc
} from "../../lib/inventory/collections";
import type { OpContext } from "../../lib/inventory/op-context";
import { auditStock } from "../../lib/inventory/stock-audit";
import { createStores, type Store } from "../../lib/store";
import { client } from "../helpers/http";
import { startStack } from "../helpers/stack";
import { adminToken, BASE, customerToken, expectErrorBody } from "./helpers";

describe("stock audit", () => {
	let items: Store<ItemDoc>;
	let reservations: Store<ReservationDoc>;
	let movements: Store<MovementDoc>;
	let inv: Inventory;
	const op: OpContext = { actor: "test", emit: async () => undefined };
	const audit = () => auditStock({ items, reservations, movements: inv.movements }, op, item => inv.stock.lowStock.checkRise(item));
	/** What a worker that died between the item's update and its record (or a 0.1.0 data directory) leaves. */
	const orphan = (item: ItemDoc, units: number) => items.updateById(item.id, { inc: { reserved: units, available: -units, seq: 1 } });

	beforeEach(async () => {
		const all = createStores([itemsCollection, reservationsCollection, movementsCollection], {
			uri: null,
			dataDir: null,
			connectTimeoutMs: 1000
		});
		items = all[itemsCollection.name] as unknown as Store<ItemDoc>;
		reservations = all[reservationsCollection.name] as unknown as Store<ReservationDoc>;
		movements = all[movementsCollection.name] as unknown as Store<MovementDoc>;
		for (const s of Object.values(all)) await s.connect();
		inv = createInventory({ items, reservations, movements });
	});
	afterEach(async () => {
		for (const s of [items, reservations, movements]) await s.disconnect();
	});

	it("gives back units no reservation holds, records the movement, and leaves live reservations alone", async () => {
		const a = await inv.stock.create(op, "a", 10);
		const b = await inv.stock.create(op, "b", 10);
		await inv.reservations.reserve(op, "o1", [{ productId: "a", quantity: 2 }]);
		await orphan((await items.findById(a.id))!, 3);
		expect(await audit()).toEqual({ items: 2, repairedItems: 1, releasedUnits: 3, shortItems: 0, skippedItems: 0 });
		expect(await items.findById(a.id)).toMatchObject({ onHand: 10, reserved: 2, available: 8 });
		expect(await items.findById(b.id)).toMatchObject({ onHand: 10, reserved: 0, available: 10 });
		const audited = await movements.find({ where: { itemId: a.id, reason: "stock audit: units held by no reservation" } });
		expect(audited.map(m => [m.type, m.quantity, m.reservedBefore, m.reservedAfter])).toEqual([["release", 3, 5, 2]]);
		// The order's own units are still its own: releasing it empties the item.
		await inv.reservations.release(op, "o1");
		expect(await items.findById(a.id)).toMatchObject({ reserved: 0, available: 10 });
		expect(await audit()).toMatchObject({ repairedItems: 0, releasedUnits: 0 });
	});

	it("counts the applied lines of a reservation still in flight, and reports an item short of its reservations without touching it", async () => {
		const a = await inv.stock.create(op, "a", 10);
		const at = new Date().toISOString();
		// In flight: 4 units applied and recorded, the next line not yet.
		await items.updateById(a.id, { inc: { reserved: 4, available: -4, seq: 1 } });
		await reservations.insert({
			orderId: "o2",
			status: "reserving",
			lines: [
				{ productId: "a", quantity: 4, itemId: a.id },
				{ productId: "z", quantity: 1, itemId: "other" }
			],
			applied: [{ productId: "a", quantity: 4, itemId: a.id }],
			version: 1,
			createdAt: at,
			updatedAt: at
		});
		expect(await audit()).toMatchObject({ repairedItems: 0, shortItems: 0 });
		await items.updateById(a.id, { inc: { reserved: -3, available: 3, seq: 1 } });
		expect(await audit()).toMatchObject({ repairedItems: 0, releasedUnits: 0, shortItems: 1 });
		expect(await items.findById(a.id)).toMatchObject({ reserved: 1, available: 9 });
	});

	it("counts the live reservations of every page, and lets other work run between its pages", async () => {
		const a = await inv.stock.create(op, "a", 2000);
		const at = new Date().toISOString();
		const line = { productId: "a", quantity: 1, itemId: a.id };
		// 1,200 reserved (pages of 500, 500 and 200) and 300 in flight, each holding one unit; 200 committed ones hold none.
		const statuses = [...Array(1200).fill("reserved"), ...Array(300).fill("reserving"), ...Array(200).fill("committed")];
		await Promise.all(
			statuses.map((status, i) =>
				reservations.insert({ orderId: `o${i}`, status, lines: [line], applied: [line], version: 1, createdAt: at, updatedAt: at })
			)
		);
		await items.updateById(a.id, { inc: { reserved: 1500, available: -1500, seq: 1 } });
		let turns = 0;
		let auditing = true;
		const tick = () => {
			turns++;
			if (auditing) setImmediate(tick);
		};
		setImmediate(tick);
		const result = await audit();
		auditing = false;
		expect(result).toEqual({ items: 1, repairedItems: 0, releasedUnits: 0, shortItems: 0, skippedItems: 0 });
		// Reads of the embedded store resolve without waiting: only the audit's own yields let the ticker run.
		expect(turns).toBeGreaterThanOrEqual(2);
		await orphan((await items.findById(a.id))!, 7);
		expect(await audit()).toMatchObject({ repairedItems: 1, releasedUnits: 7 });
		expect(await items.findById(a.id)).toMatchObject({ reserved: 1500, available: 500 });
	});

	it("leaves an item that changed during the audit for the next one", async () => {
		const a = await inv.stock.create(op, "a", 10);
		await orphan(a, 2);
		const realFind = reservations.find.bind(reservations);
		let moved = false;
		reservations.find = async options => {
			if (!moved) {
				moved = true;
				await inv.reservations.reserve(op, "o3", [{ productId: "a", quantity: 1 }]);
			}
			return realFind(options);
		};
		expect(await audit()).toMatchObject({ repairedItems: 0, skippedItems: 1 });
		expect(await items.findById(a.id)).toMatchObject({ reserved: 3 });
		expect(await audit()).toMatchObject({ repairedItems: 1, releasedUnits: 2, skippedItems: 0 });
		expect(await items.findById(a.id)).toMatchObject({ reserved: 1, available: 9 });
	});
});

describe("POST /inventory/audit (real gateway)", () => {
	it("lets an admin run the audit, refuses a customer, and exports the figures on /metrics", async () => {
		const stack = await startStack({ services: ["api", "inventory", "products"], env: { STOCK_AUDIT_INTERVAL_MS: "0" } });
		try {
			const api = client(stack.baseUrl);
			const admin = adminToken(randomUUID());
			const product = await api.post(`${BASE}/products`, { name: "Audited lamp", price: 10, stock: 5 }, { token: admin });
			expect(product.status).toBe(201);
			const inventory = stack.broker.getLocalService("inventory") as unknown as { inventory(): Inventory };
			const item = await (async () => {
				for (let i = 0; i < 100; i++) {
					const found = await inventory.inventory().stock.items.findOne({ productId: product.body.id });
					if (found) return found;
					await new Promise(r => setTimeout(r, 20));
				}
				throw new Error("no inventory item for the product");
			})();
			await inventory.inventory().stock.items.updateById(item.id, { inc: { reserved: 2, available: -2, seq: 1 } });

			expectErrorBody(await api.post(`${BASE}/inventory/audit`, undefined, { token: customerToken() }), 403);
			const res = await api.post(`${BASE}/inventory/audit`, undefined, { token: admin });
			expect(res.status).toBe(200);
			expect(res.body).toEqual({ items: 1, repairedItems: 1, releasedUnits: 2, shortItems: 0, skippedItems: 0 });
			expect(await inventory.inventory().stock.items.findById(item.id)).toMatchObject({ reserved: 0, available: 5 });

			const metrics = await api.get(`${BASE}/metrics`);
			expect(metrics.body).toMatch(/^shop_stock_audit_released_units_total(\{[^}]*\})? 2$/m);
			expect(metrics.body).toMatch(/^shop_stock_audit_repaired_items(\{[^}]*\})? 1$/m);
		} finally {
			await stack.stop();
		}
	});
});
