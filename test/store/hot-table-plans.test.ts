/**
 * The busiest tables carry only the indexes their queries need (every index is written with every
 * order), and each of those queries is still an index seek on the embedded store: SQLite's own
 * EXPLAIN QUERY PLAN, on the tables the real stores create from the collection specs. The SQL is
 * written as lib/store/sqlite-sql.ts writes it for the calls named.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { DatabaseSync } from "node:sqlite";
import { movementsCollection } from "../../lib/inventory/collections";
import { ordersCollection } from "../../lib/orders/collections";
import { createStore, type CollectionSpec } from "../../lib/store";

const COLUMNS = (spec: CollectionSpec) => ["id", ...Object.keys(spec.fields)].map(c => `"${c}"`).join(", ");

describe("the embedded store's busiest tables: indexes and query plans", () => {
	let dir: string;
	let db: DatabaseSync;
	const plan = (sql: string) =>
		(db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as Array<{ detail: string }>).map(r => r.detail).join(" | ");
	const indexes = (table: string) => (db.prepare(`PRAGMA index_list(${table})`).all() as Array<{ name: string }>).map(i => i.name).sort();

	beforeAll(async () => {
		dir = fs.mkdtempSync(path.join(os.tmpdir(), "hot-plans-"));
		for (const spec of [ordersCollection, movementsCollection]) {
			const store = createStore(spec, { uri: null, dataDir: dir, connectTimeoutMs: 1000 });
			await store.connect();
			await store.disconnect();
		}
		db = new DatabaseSync(path.join(dir, "store.sqlite"), { readOnly: true });
	});
	afterAll(() => {
		db.close();
		fs.rmSync(dir, { recursive: true, force: true });
	});

	it("orders: no index on userId or status alone, which the compound indexes start with", () => {
		expect(indexes("orders")).toEqual([
			"orders__ix_compensationDueAt",
			"orders__ix_createdAt",
			"orders__ix_status_shipmentId_updatedAt",
			"orders__ix_u_idempotencyKey",
			"orders__ix_userId_createdAt",
			"sqlite_autoindex_orders_1"
		]);
	});

	it("orders: a customer's list, the status counts and the reconciler's reads seek an index", () => {
		const cols = COLUMNS(ordersCollection);
		// GET /orders as a customer (lib/orders/list-query.ts).
		expect(plan(`SELECT ${cols} FROM orders WHERE "userId" = ? ORDER BY "createdAt" DESC, "id" ASC LIMIT 20 OFFSET 0`)).toMatch(
			/SEARCH orders USING INDEX orders__ix_userId_createdAt \(userId=\?\)/
		);
		// The metrics poller's count per status (lib/orders/metrics.ts).
		expect(plan(`SELECT COUNT(*) AS n FROM orders WHERE "status" = ?`)).toMatch(
			/SEARCH orders USING COVERING INDEX orders__ix_status_shipmentId_updatedAt \(status=\?\)/
		);
		// The reconciler (lib/orders/reconciler.ts): paid orders without a shipment, oldest first.
		expect(
			plan(
				`SELECT ${cols} FROM orders WHERE "status" = ? AND "shipmentId" IS NULL AND "updatedAt" <= ? AND "redrivenAt" <= ? ORDER BY "updatedAt" ASC, "id" ASC LIMIT 100`
			)
		).toMatch(/SEARCH orders USING INDEX orders__ix_status_shipmentId_updatedAt \(status=\? AND shipmentId=\? AND updatedAt<\?\)/);
	});

	it("inventory_movements: one index, which serves an item's page newest first without a sort", () => {
		expect(indexes("inventory_movements")).toEqual(["inventory_movements__ix_itemId_seq_id", "sqlite_autoindex_inventory_movements_1"]);
		// MovementLog.page (lib/inventory/movements.ts) and its count.
		const page = plan(
			`SELECT ${COLUMNS(movementsCollection)} FROM inventory_movements WHERE "itemId" = ? ORDER BY "seq" DESC, "id" DESC LIMIT 20 OFFSET 0`
		);
		expect(page).toMatch(/SEARCH inventory_movements USING INDEX inventory_movements__ix_itemId_seq_id \(itemId=\?\)/);
		expect(page).not.toMatch(/TEMP B-TREE/);
		expect(plan(`SELECT COUNT(*) AS n FROM inventory_movements WHERE "itemId" = ?`)).toMatch(
			/USING COVERING INDEX inventory_movements__ix_itemId_seq_id/
		);
	});
});
