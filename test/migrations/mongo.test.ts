/**
 * The MongoDB steps of the migrations, on CongoDB (the in-process MongoDB wire-protocol server the
 * tests use, not a real mongod): each service's indexes created and the replaced one dropped, the
 * documents untouched, a second run changing nothing, concurrent runs applying once (the lock
 * document), and in production a store creating no index while a service behind refuses to start.
 */
import mongoose from "mongoose";
import { migrate } from "../../lib/migrations/migrate";
import { prepareServiceSchema } from "../../lib/migrations/schema-gate";
import { MIGRATIONS, migratedServices } from "../../lib/migrations/versions";
import { ordersCollection } from "../../lib/orders/collections";
import { createStore } from "../../lib/store";
import { startMongoServer, type MongoServer } from "../helpers/mongo-server";

jest.setTimeout(60_000);

const EXPECTED = migratedServices().reduce((n, s) => n + MIGRATIONS.filter(m => m.services[s]).length, 0);
const quiet = { info: () => undefined };

describe("migrations on MongoDB (CongoDB in-process, not a real mongod)", () => {
	let server: MongoServer;
	let conn: mongoose.Connection;
	const run = (uri: string) => migrate({ uri, services: migratedServices(), connectTimeoutMs: 5000, lockTimeoutMs: 30_000 });
	const indexNames = async (collection: string) =>
		(await conn.db!.collection(collection).listIndexes().toArray()).map(i => i.name as string).sort();

	beforeAll(async () => {
		server = await startMongoServer();
		conn = await mongoose.createConnection(server.uri).asPromise();
	});
	afterAll(async () => {
		await conn.close();
		await server.stop();
	});

	it("creates every service's indexes, replaces the orders index of 0.1.0, drops the ones no query needs and keeps the documents", async () => {
		// An orders collection as release 0.1.0's Mongoose left it.
		const orders = conn.db!.collection<{ _id: string; status: string }>("orders");
		await orders.insertMany([
			{ _id: "o-1", status: "paid" },
			{ _id: "o-2", status: "shipped" }
		]);
		await orders.createIndex({ status: 1, updatedAt: 1 });

		const applied = await run(server.uri);

		expect(applied).toHaveLength(EXPECTED);
		expect(await indexNames("orders")).toEqual(
			[
				"_id_",
				"compensationDueAt_1",
				"createdAt_1",
				"idempotencyKey_1",
				"status_1_shipmentId_1_updatedAt_1",
				"userId_1_createdAt_1"
			].sort()
		);
		// 0010: the movements' single-field indexes give way to the one their query seeks.
		expect(await indexNames("inventory_movements")).toEqual(["_id_", "itemId_1_seq_1__id_1"]);
		expect(await indexNames("notifications")).toEqual(expect.arrayContaining(["bodyKeptSince_1", "status_1"]));
		// The first release's index on nextAttemptAt, replaced by the status index.
		expect(await indexNames("notifications")).not.toContain("nextAttemptAt_1");
		expect(await indexNames("refresh_tokens")).toContain("expiresAt_1");
		expect(await indexNames("payments_outbox")).toContain("nextAttemptAt_1");
		const email = (await conn.db!.collection("users").listIndexes().toArray()).find(i => i.name === "email_1");
		expect(email).toMatchObject({ unique: true });
		expect(await orders.find().sort({ _id: 1 }).toArray()).toEqual([
			{ _id: "o-1", status: "paid" },
			{ _id: "o-2", status: "shipped" }
		]);
	});

	it("changes nothing when run again", async () => {
		const before = await Promise.all(["orders", "users", "notifications"].map(indexNames));
		expect(await run(server.uri)).toEqual([]);
		expect(await Promise.all(["orders", "users", "notifications"].map(indexNames))).toEqual(before);
	});

	it("applies each migration once when two runs start together", async () => {
		const other = await startMongoServer();
		try {
			const results = await Promise.all([run(other.uri), run(other.uri)]);
			expect(results.map(r => r.length).sort((a, b) => a - b)).toEqual([0, EXPECTED]);
		} finally {
			await other.stop();
		}
	});

	it("in production: a store creates no index, and a service behind its migrations refuses to start", async () => {
		const other = await startMongoServer();
		const saved = process.env.NODE_ENV;
		process.env.NODE_ENV = "production";
		try {
			const store = createStore(ordersCollection, { uri: other.uri, dataDir: null, connectTimeoutMs: 5000 });
			await store.connect();
			await store.insert({ status: "pending" });
			await store.disconnect();
			const otherConn = await mongoose.createConnection(other.uri).asPromise();
			try {
				const names = (await otherConn.db!.collection("orders").listIndexes().toArray()).map(i => i.name);
				expect(names).toEqual(["_id_"]);
			} finally {
				await otherConn.close();
			}
			await expect(prepareServiceSchema("orders", other.uri, quiet)).rejects.toThrow(
				/Service "orders": its database mongodb:.* lacks migrations 0001-first-release, 0002-orders-shipment-id, 0005-orders-reconciler-index, 0007-outbox, 0008-orders-compensation-due-at, 0010-fewer-write-indexes; run `npm run migrate`/
			);
		} finally {
			process.env.NODE_ENV = saved;
			await other.stop();
		}
	});
});
