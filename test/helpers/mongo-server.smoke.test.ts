import { randomUUID } from "node:crypto";
import { createConnection as tcpConnect } from "node:net";
import mongoose, { Connection, Model } from "mongoose";
import { MongoServer, startMongoServer } from "./mongo-server";

interface Product {
	_id: string;
	name: string;
	sku: string;
	price: number;
	available: number;
	reserved: number;
	tags?: string[];
}

const productSchema = new mongoose.Schema<Product>(
	{
		_id: { type: String, required: true },
		name: { type: String, required: true },
		sku: { type: String, required: true, unique: true },
		price: { type: Number, required: true },
		available: { type: Number, default: 0 },
		reserved: { type: Number, default: 0 },
		tags: [String]
	},
	{ versionKey: false }
);

describe("startMongoServer (CongoDB wire server) with mongoose 8", () => {
	let server: MongoServer;
	let conn: Connection;
	let Products: Model<Product>;
	const startedIn: Record<string, number> = {};

	beforeAll(async () => {
		let t = performance.now();
		server = await startMongoServer();
		startedIn.server = performance.now() - t;
		t = performance.now();
		conn = await mongoose.createConnection(server.uri).asPromise();
		startedIn.connect = performance.now() - t;
		t = performance.now();
		Products = conn.model<Product>("Product", productSchema);
		await Products.init(); // waits for the unique index on sku
		startedIn.indexes = performance.now() - t;
		console.log(
			`startMongoServer ${startedIn.server.toFixed(0)} ms, connect ${startedIn.connect.toFixed(0)} ms, init ${startedIn.indexes.toFixed(0)} ms`
		);
	});

	afterAll(async () => {
		await conn?.close();
		await server?.stop();
	});

	const apple = randomUUID();
	const banana = randomUUID();
	const cherry = "cherry-1";
	const date = "aaaaaaaaaaaaaaaaaaaaaaaa"; // 24 hex characters: must stay a string, not become an ObjectId

	test("uri points at 127.0.0.1 with a per-call database name", async () => {
		expect(server.uri).toMatch(/^mongodb:\/\/127\.0\.0\.1:\d+\/test_\w+\?serverMonitoringMode=poll$/);
		expect(conn.db?.databaseName).toBe(server.dbName);
		const other = await startMongoServer();
		try {
			expect(other.port).not.toBe(server.port);
			expect(other.dbName).not.toBe(server.dbName);
		} finally {
			await other.stop();
		}
	});

	test("insert with String _id (create, insertMany)", async () => {
		await Products.create({ _id: apple, name: "Apple", sku: "APL", price: 3, available: 1, tags: ["fruit", "red"] });
		await Products.insertMany([
			{ _id: banana, name: "banana", sku: "BAN", price: 1, available: 0, tags: ["fruit"] },
			{ _id: cherry, name: "Cherry", sku: "CHE", price: 2, available: 5 },
			{ _id: date, name: "Date", sku: "DAT", price: 4, available: 2 }
		]);
		const raw = await Products.collection.findOne({ sku: "DAT" });
		expect(typeof raw?._id).toBe("string");
		expect(raw?._id).toBe(date);
		expect((await Products.findById(apple).lean())?.name).toBe("Apple");
		expect((await Products.findById(date).lean())?.name).toBe("Date");
	});

	test("duplicate _id and duplicate unique field are rejected with 11000", async () => {
		await expect(Products.create({ _id: apple, name: "Again", sku: "NEW", price: 1 })).rejects.toMatchObject({ code: 11000 });
		await expect(Products.create({ _id: randomUUID(), name: "Clash", sku: "APL", price: 1 })).rejects.toMatchObject({ code: 11000 });
		await expect(Products.updateOne({ _id: banana }, { $set: { sku: "APL" } })).rejects.toMatchObject({ code: 11000 });
		await expect(Products.findOneAndUpdate({ _id: banana }, { $set: { sku: "CHE" } })).rejects.toMatchObject({ code: 11000 });
		expect(await Products.countDocuments({})).toBe(4);
		const indexes = await Products.collection.indexes();
		expect(indexes.find(i => i.key.sku === 1)).toMatchObject({ unique: true });
	});

	test("find with $regex (string, RegExp, $options)", async () => {
		const names = async (filter: object) => (await Products.find(filter).lean()).map(p => p.name).sort();
		expect(await names({ name: { $regex: "^(a|b)", $options: "i" } })).toEqual(["Apple", "banana"]);
		expect(await names({ name: /an/ })).toEqual(["banana"]);
		expect(await names({ name: { $regex: /^c/i } })).toEqual(["Cherry"]);
	});

	test("sort / skip / limit follow mongod's order", async () => {
		const byPrice = await Products.find({}).sort({ price: -1 }).skip(1).limit(2).lean();
		expect(byPrice.map(p => p.name)).toEqual(["Apple", "Cherry"]);
		// mongod compares strings by code point: upper case before lower case
		const byName = await Products.find({}).sort({ name: 1 }).lean();
		expect(byName.map(p => p.name)).toEqual(["Apple", "Cherry", "Date", "banana"]);
		const page = await Products.find({}, { name: 1 }).sort({ _id: 1 }).skip(1).limit(2).lean();
		expect(page).toHaveLength(2);
		expect(Object.keys(page[0]).sort()).toEqual(["_id", "name"]);
	});

	test("countDocuments and estimatedDocumentCount", async () => {
		expect(await Products.countDocuments({ available: { $gte: 1 } })).toBe(3);
		expect(await Products.countDocuments({ tags: "fruit" })).toBe(2);
		expect(await Products.estimatedDocumentCount()).toBe(4);
	});

	test("findOneAndUpdate with a condition and $inc: updates once, then returns null", async () => {
		const reserve = () =>
			Products.findOneAndUpdate(
				{ _id: apple, available: { $gte: 1 } },
				{ $inc: { available: -1, reserved: 1 } },
				{ new: true }
			).lean();
		const first = await reserve();
		expect(first).toMatchObject({ _id: apple, available: 0, reserved: 1 });
		expect(await reserve()).toBeNull();
		expect(await Products.findById(apple).lean()).toMatchObject({ available: 0, reserved: 1 });
		// without `new` the document before the update comes back
		const before = await Products.findOneAndUpdate({ _id: cherry }, { $inc: { available: -2 } }).lean();
		expect(before?.available).toBe(5);
		expect((await Products.findById(cherry).lean())?.available).toBe(3);
	});

	test("concurrent conditional reservations never oversell", async () => {
		await Products.updateOne({ _id: cherry }, { $set: { available: 3, reserved: 0 } });
		const attempts = await Promise.all(
			Array.from({ length: 10 }, () =>
				Products.findOneAndUpdate(
					{ _id: cherry, available: { $gte: 1 } },
					{ $inc: { available: -1, reserved: 1 } },
					{ new: true }
				).lean()
			)
		);
		expect(attempts.filter(Boolean)).toHaveLength(3);
		expect(await Products.findById(cherry).lean()).toMatchObject({ available: 0, reserved: 3 });
	});

	test("updateOne / updateMany / upsert", async () => {
		const one = await Products.updateOne({ _id: banana }, { $set: { price: 2 }, $push: { tags: "yellow" } });
		expect(one).toMatchObject({ matchedCount: 1, modifiedCount: 1 });
		const many = await Products.updateMany({ tags: "fruit" }, { $inc: { price: 1 } });
		expect(many).toMatchObject({ matchedCount: 2, modifiedCount: 2 });
		const upsert = await Products.updateOne(
			{ _id: "fig" },
			{ $setOnInsert: { name: "Fig", sku: "FIG", price: 5, available: 1, reserved: 0 } },
			{ upsert: true }
		);
		expect(upsert.upsertedCount).toBe(1);
		expect(upsert.upsertedId).toBe("fig");
		expect((await Products.findById("fig").lean())?.name).toBe("Fig");
	});

	test("$in query", async () => {
		const found = await Products.find({ _id: { $in: [banana, cherry, "missing"] } }).lean();
		expect(found.map(p => p.name).sort()).toEqual(["Cherry", "banana"]);
		expect(await Products.countDocuments({ sku: { $in: ["APL", "DAT"] } })).toBe(2);
	});

	test("deleteOne / deleteMany", async () => {
		expect((await Products.deleteOne({ _id: date })).deletedCount).toBe(1);
		expect((await Products.deleteOne({ _id: date })).deletedCount).toBe(0);
		expect(await Products.findById(date).lean()).toBeNull();
		expect((await Products.deleteMany({ price: { $gte: 5 } })).deletedCount).toBe(1);
		expect(await Products.countDocuments({})).toBe(3);
		// the freed unique value can be used again
		await Products.create({ _id: "date-2", name: "Date", sku: "DAT", price: 4 });
	});

	test("BSON values survive operator updates; other _id types are kept", async () => {
		const Prices = conn.model("Price", new mongoose.Schema({ _id: Number, amount: mongoose.Schema.Types.Decimal128, n: Number }));
		await Prices.create({ _id: 5, amount: "12.34", n: 0 });
		await Prices.updateOne({ _id: 5 }, { $inc: { n: 1 } });
		const raw = await Prices.collection.findOne({ n: 1 });
		expect(raw?._id).toBe(5);
		expect(raw?.amount).toBeInstanceOf(mongoose.mongo.Decimal128);
		expect(String(raw?.amount)).toBe("12.34");
	});

	test("unique index is enforced again after dropDatabase + createIndexes", async () => {
		await conn.dropDatabase();
		await Products.createIndexes();
		await Products.create({ _id: "p1", name: "One", sku: "SAME", price: 1 });
		await expect(Products.create({ _id: "p2", name: "Two", sku: "SAME", price: 1 })).rejects.toMatchObject({ code: 11000 });
		await expect(Products.collection.createIndex({ name: 1 }, { unique: true })).resolves.toBe("name_1");
		await Products.create({ _id: "p3", name: "Three", sku: "OTHER", price: 1 });
		await expect(Products.collection.createIndex({ price: 1 }, { unique: true })).rejects.toMatchObject({ code: 11000 });
	});

	test("stop() closes the port", async () => {
		const other = await startMongoServer();
		await other.stop();
		await other.stop();
		await expect(
			new Promise((resolve, reject) => tcpConnect(other.port, "127.0.0.1").on("connect", resolve).on("error", reject))
		).rejects.toMatchObject({ code: "ECONNREFUSED" });
	});
});
