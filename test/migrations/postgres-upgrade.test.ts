/**
 * Migrations on PostgreSQL (the machine's server): a database of release 0.1.0 (as first published,
 * and at its last commit) holding that release's data migrates to the latest schema with every row
 * kept and readable through today's stores; a second run changes nothing; the result is the schema
 * today's code creates; the app starts on it in production and serves the release's orders and new
 * ones; and a service refuses to start in production on a database behind its migrations.
 */
import { isDeepStrictEqual } from "node:util";
import { cartsCollection } from "../../lib/carts/collections";
import { COLLECTIONS as INVENTORY } from "../../lib/inventory/collections";
import { logsCollection } from "../../lib/logs/collections";
import { migrate } from "../../lib/migrations/migrate";
import { MIGRATIONS, migratedServices } from "../../lib/migrations/versions";
import { notificationsCollection } from "../../lib/notifications/collections";
import { ordersCollection } from "../../lib/orders/collections";
import { COLLECTIONS as PAYMENTS } from "../../lib/payments/collections";
import { productsCollection } from "../../lib/products/collections";
import { COLLECTIONS as SHIPPING } from "../../lib/shipping/collections";
import { createStore, type CollectionSpec } from "../../lib/store";
import { COLLECTIONS as USERS } from "../../lib/users/collections";
import { client } from "../helpers/http";
import { createTestDatabase, type TestDatabase } from "../helpers/postgres";
import { describeWithServer } from "../helpers/servers";
import { startStack } from "../helpers/stack";
import { ADDRESS, CARDS, orderReaches } from "../orders/support";
import { createReleaseDatabase, RELEASE_SCHEMAS, releaseDocuments } from "./release-0.1.0";
import { queryRows, schemaSnapshot, type SchemaSnapshot } from "./schema-snapshot";

jest.setTimeout(90_000);

const TODAY: CollectionSpec[] = [
	cartsCollection,
	...INVENTORY,
	logsCollection,
	notificationsCollection,
	ordersCollection,
	...PAYMENTS,
	productsCollection,
	...SHIPPING,
	...USERS
];

/** Ids of release 0.1.0's records (test/fixtures/nedb-data-0.1.0/README.md). */
const RELEASE = {
	alice: { email: "alice@example.com", password: "alice-secret-42" },
	desk: "4c04ef71-7e37-479c-87f9-d2c1f38188c4",
	shippedOrder: "6c3b7ef3-93be-494e-8add-47e364f2a2ec",
	cancelledOrder: "cd1847ed-50c2-40fd-8f7e-0da6bc03341f"
};

const migrateAll = (uri: string) => migrate({ uri, services: migratedServices(), connectTimeoutMs: 5000, lockTimeoutMs: 30_000 });

async function withEnv<T>(env: Record<string, string>, work: () => Promise<T>): Promise<T> {
	const saved = Object.fromEntries(Object.keys(env).map(k => [k, process.env[k]]));
	Object.assign(process.env, env);
	try {
		return await work();
	} finally {
		for (const [k, v] of Object.entries(saved)) {
			if (v === undefined) delete process.env[k];
			else process.env[k] = v;
		}
	}
}

describeWithServer(
	"PostgreSQL",
	"127.0.0.1",
	5432
)("migrations on PostgreSQL", () => {
	const dropLater: TestDatabase[] = [];
	let appSchema: Promise<SchemaSnapshot> | undefined;
	/** The schema the app creates for itself outside production, where the stores still sync. */
	const schemaTheAppCreates = () =>
		(appSchema ??= (async () => {
			const synced = await createTestDatabase("mig_synced");
			dropLater.push(synced);
			const stack = await startStack({ env: { DB_URI: synced.uri } });
			await stack.stop();
			return schemaSnapshot(synced.uri);
		})());

	afterAll(async () => {
		for (const db of dropLater) await db.drop();
	});

	describe.each([
		{ release: "0.1.0 as first published (6eebf57)", schema: RELEASE_SCHEMAS.first, hadShipmentId: false },
		{ release: "0.1.0 at its last commit (3bbc8fb)", schema: RELEASE_SCHEMAS.last, hadShipmentId: true }
	])("a database of release $release", ({ schema, hadShipmentId }) => {
		let release: TestDatabase;
		let loadedColumns: Map<string, Set<string>>;

		beforeAll(async () => {
			release = await createTestDatabase("mig_release");
			dropLater.push(release);
			loadedColumns = await createReleaseDatabase(release.uri, schema);
		});

		it("migrates to the latest schema: each service's migrations applied once, in order", async () => {
			const before = await schemaSnapshot(release.uri);
			expect(before.orders.columns.some(c => c.startsWith("shipmentId "))).toBe(hadShipmentId);
			expect(before.notifications.indexes.join()).toContain(
				hadShipmentId ? "notifications_status " : "notifications_next_attempt_at"
			);
			expect(before.notifications.columns.join()).not.toContain("bodyKeptSince");
			expect(before.orders.indexes.join()).toContain("orders_status_updated_at");
			expect(before.orders.indexes.join()).toContain("orders_user_id ");
			expect(before.inventory_movements.indexes.join()).toContain("inventory_movements_product_id");

			const applied = await migrateAll(release.uri);

			const expected = migratedServices().flatMap(service =>
				MIGRATIONS.filter(m => m.services[service]).map(m => ({ service, name: m.name }))
			);
			expect(applied).toEqual(expected);
			const after = await schemaSnapshot(release.uri);
			expect(after.orders.columns).toContain("shipmentId text null");
			expect(after.notifications.columns).toContain("bodyKeptSince text null");
			expect(after.notifications.indexes).toContain("CREATE INDEX notifications_status ON notifications USING btree (status)");
			expect(after.notifications.indexes.join()).not.toContain("notifications_next_attempt_at");
			expect(after.orders.indexes).toContain(
				'CREATE INDEX orders_status_shipment_id_updated_at ON orders USING btree (status, "shipmentId", "updatedAt")'
			);
			expect(after.orders.indexes.join()).not.toContain("orders_status_updated_at");
			expect(after.orders.indexes.join()).not.toMatch(/orders_user_id |orders_status /);
			expect(after.inventory_movements.indexes).toContain(
				'CREATE INDEX inventory_movements_item_id_seq_id ON inventory_movements USING btree ("itemId", seq, id)'
			);
			expect(after.inventory_movements.indexes.join()).not.toMatch(/_product_id|_order_id|_at |_item_id /);
			expect(Object.keys(after)).toEqual(expect.arrayContaining(["orders_outbox", "orders_handled_events", "users_outbox"]));
		});

		it("keeps every row of the release, readable through today's stores", async () => {
			const mismatches: string[] = [];
			let rows = 0;
			await withEnv({ NODE_ENV: "production" }, async () => {
				for (const [table, docs] of await releaseDocuments()) {
					const spec = TODAY.find(s => s.name === table);
					if (!spec) throw new Error(`today's code has no collection ${table}`);
					const store = createStore(spec, { uri: release.uri, dataDir: null, connectTimeoutMs: 5000 });
					await store.connect();
					try {
						expect(await store.count()).toBe(docs.length);
						for (const doc of docs) {
							const row = await store.findById(doc.id);
							rows++;
							if (!row) {
								mismatches.push(`${table}/${doc.id}: missing`);
								continue;
							}
							for (const [field, value] of Object.entries(doc)) {
								if (!loadedColumns.get(table)!.has(field) || value === null) continue;
								// JSONB keeps an object's keys in its own order: compared as values.
								if (!isDeepStrictEqual(row[field], value))
									mismatches.push(
										`${table}/${doc.id}.${field}: ${JSON.stringify(row[field])} != ${JSON.stringify(value)}`
									);
							}
						}
					} finally {
						await store.disconnect();
					}
				}
			});
			expect(mismatches).toEqual([]);
			expect(rows).toBeGreaterThan(150);
		});

		it("changes nothing when run again", async () => {
			const recordedSql = 'SELECT service, name, "appliedAt" FROM schema_migrations ORDER BY service, name';
			const schemaBefore = await schemaSnapshot(release.uri);
			const recorded = await queryRows(release.uri, recordedSql);

			expect(await migrateAll(release.uri)).toEqual([]);

			expect(await schemaSnapshot(release.uri)).toEqual(schemaBefore);
			expect(await queryRows(release.uri, recordedSql)).toEqual(recorded);
		});

		it("ends at the schema today's code creates (tables, columns, defaults, indexes)", async () => {
			const expected = await schemaTheAppCreates();
			const migrated = await schemaSnapshot(release.uri);

			for (const table of Object.keys(expected)) expect({ table, ...migrated[table] }).toEqual({ table, ...expected[table] });
			// The migrations give every service its outbox pair, whether or not its code uses it yet.
			const extra = Object.keys(migrated).filter(t => !(t in expected));
			expect(extra.filter(t => !/^(schema_migrations|[a-z]+_outbox|[a-z]+_handled_events)$/.test(t))).toEqual([]);
		});

		it("runs the app in production on it: the release's orders are served and a new one is paid", async () => {
			const stack = await startStack({
				env: {
					NODE_ENV: "production",
					DB_URI: release.uri,
					JWT_SECRET: "migrations-test-secret",
					RATE_LIMIT_MAX: "100000",
					PAYMENT_RETRY_DELAY_MS: "5",
					ORDER_RECONCILE_INTERVAL_MS: "0"
				}
			});
			try {
				const api = client(stack.baseUrl);
				const login = await api.post("/api/v1/auth/login", RELEASE.alice);
				expect(login.status).toBe(200);
				const token = login.body.accessToken as string;

				const shipped = await api.get(`/api/v1/orders/${RELEASE.shippedOrder}`, { token });
				expect(shipped.status).toBe(200);
				expect(shipped.body.status).toBe("shipped");
				const cancelled = await api.get(`/api/v1/orders/${RELEASE.cancelledOrder}`, { token });
				expect(cancelled.body).toMatchObject({ status: "cancelled", cancelReason: "customer" });

				const placed = await api.post(
					"/api/v1/orders",
					{ items: [{ productId: RELEASE.desk, quantity: 1 }], shippingAddress: ADDRESS, payment: CARDS.ok },
					{ token }
				);
				expect(placed.status).toBe(201);
				await orderReaches(api, token, placed.body.id, ["paid", "shipped"]);
				const mine = await api.get("/api/v1/orders?pageSize=50", { token });
				expect(mine.body.items.map((o: { id: string }) => o.id)).toEqual(
					expect.arrayContaining([placed.body.id, RELEASE.shippedOrder, RELEASE.cancelledOrder])
				);
			} finally {
				await stack.stop();
			}
		});
	});

	it("refuses to start a service in production on a database behind its migrations, naming the command", async () => {
		const behind = await createTestDatabase("mig_behind");
		dropLater.push(behind);
		await migrate({
			uri: behind.uri,
			services: ["orders"],
			connectTimeoutMs: 5000,
			lockTimeoutMs: 30_000,
			migrations: MIGRATIONS.slice(0, 1)
		});

		const start = startStack({
			services: ["orders"],
			env: { NODE_ENV: "production", DB_URI: behind.uri, JWT_SECRET: "migrations-test-secret" }
		});

		await expect(start).rejects.toThrow(
			/Service "orders": its database postgres:\/\/.*lacks migrations 0002-orders-shipment-id, 0005-orders-reconciler-index, 0007-outbox, 0008-orders-compensation-due-at, 0010-fewer-write-indexes; run `npm run migrate`/
		);
		// Nothing was created behind the migrations' back.
		expect(Object.keys(await schemaSnapshot(behind.uri))).not.toContain("orders_outbox");
	});
});
