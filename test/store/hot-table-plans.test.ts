/**
 * The busiest tables carry only the indexes their queries need (every index is written with every
 * order), and each of those queries is still an index seek on the embedded store: SQLite's own
 * EXPLAIN QUERY PLAN, on the tables the real stores create from the collection specs, of the SQL
 * the store's own builder (lib/store/sqlite-sql.ts) writes for the filters and sorts named.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { DatabaseSync } from "node:sqlite";
import { movementsCollection } from "../../lib/inventory/collections";
import { ordersCollection } from "../../lib/orders/collections";
import { buildListQuery } from "../../lib/orders/list-query";
import { stuckOrderQueries } from "../../lib/orders/reconciler";
import { createStore, type CollectionSpec, type Filter, type SortSpec } from "../../lib/store";
import { SqlBuilder, type SqlValue } from "../../lib/store/sqlite-sql";

/** The SELECT (or COUNT) the embedded store runs for this filter and sort. */
function select(spec: CollectionSpec, what: "rows" | "count", where: Filter, sort?: SortSpec): string {
	const sql = new SqlBuilder(spec.fields);
	const params: SqlValue[] = [];
	const columns = what === "count" ? "COUNT(*) AS n" : ["id", ...Object.keys(spec.fields)].map(c => `"${c}"`).join(", ");
	return `SELECT ${columns} FROM ${spec.name} WHERE ${sql.where(where, params)}${sql.orderBy(sort)}${sort ? " LIMIT 20 OFFSET 0" : ""}`;
}

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
		// GET /orders as a customer (lib/orders/list-query.ts).
		const mine = buildListQuery({}, "u-1");
		expect(plan(select(ordersCollection, "rows", mine.where, mine.sort))).toMatch(
			/SEARCH orders USING INDEX orders__ix_userId_createdAt \(userId=\?\)/
		);
		// The metrics poller's count per status (lib/orders/metrics.ts).
		expect(plan(select(ordersCollection, "count", { status: "paid" }))).toMatch(
			/SEARCH orders USING COVERING INDEX orders__ix_status_shipmentId_updatedAt \(status=\?\)/
		);
		// The reconciler's two reads (lib/orders/reconciler.ts): orders in flight, and paid ones without a shipment.
		const [inFlight, unshipped] = stuckOrderQueries("2026-01-01T00:00:00.000Z", 100);
		expect(plan(select(ordersCollection, "rows", inFlight.where!, inFlight.sort))).toMatch(
			/SEARCH orders USING INDEX orders__ix_status_shipmentId_updatedAt \(status=\? AND shipmentId=\? AND updatedAt<\?\)/
		);
		expect(plan(select(ordersCollection, "rows", unshipped.where!, unshipped.sort))).toMatch(
			/SEARCH orders USING INDEX orders__ix_status_shipmentId_updatedAt \(status=\? AND shipmentId=\? AND updatedAt<\?\)/
		);
	});

	it("inventory_movements: one index, which serves an item's page newest first without a sort", () => {
		expect(indexes("inventory_movements")).toEqual(["inventory_movements__ix_itemId_seq_id", "sqlite_autoindex_inventory_movements_1"]);
		// MovementLog.page (lib/inventory/movements.ts) and its count.
		const newestFirst: SortSpec = [
			["seq", "desc"],
			["id", "desc"]
		];
		const page = plan(select(movementsCollection, "rows", { itemId: "i-1" }, newestFirst));
		expect(page).toMatch(/SEARCH inventory_movements USING INDEX inventory_movements__ix_itemId_seq_id \(itemId=\?\)/);
		expect(page).not.toMatch(/TEMP B-TREE/);
		expect(plan(select(movementsCollection, "count", { itemId: "i-1" }))).toMatch(
			/USING COVERING INDEX inventory_movements__ix_itemId_seq_id/
		);
	});
});
