/**
 * The one-time import of NeDB data directories, on the one release 0.1.0 wrote under real use
 * (test/fixtures/nedb-data-0.1.0, made through its HTTP API: see the README there), into the
 * embedded stores of each service, opened as the services open them.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { cartsCollection } from "../../lib/carts/collections";
import { COLLECTIONS as INVENTORY } from "../../lib/inventory/collections";
import { logsCollection } from "../../lib/logs/collections";
import { notificationsCollection } from "../../lib/notifications/collections";
import { ordersCollection } from "../../lib/orders/collections";
import { COLLECTIONS as PAYMENTS } from "../../lib/payments/collections";
import { productsCollection } from "../../lib/products/collections";
import { COLLECTIONS as SHIPPING } from "../../lib/shipping/collections";
import { createStores, type CollectionSpec, type Store } from "../../lib/store";
import { readNedbFile, type NedbDocument } from "../../lib/store/nedb-file";
import { importNedbDataDir, type CollectionImport } from "../../lib/store/nedb-import";
import { COLLECTIONS as USERS } from "../../lib/users/collections";

const FIXTURE = path.join(__dirname, "../fixtures/nedb-data-0.1.0");

/** Each service's collections, as its DbMixin gets them; the fixture has a directory per service. */
const SERVICES: Record<string, CollectionSpec[]> = {
	carts: [cartsCollection],
	inventory: INVENTORY,
	logs: [logsCollection],
	notifications: [notificationsCollection],
	orders: [ordersCollection],
	payments: PAYMENTS,
	products: [productsCollection],
	shipping: SHIPPING,
	users: USERS
};

/** Ids the requests that made the fixture got back (listed in its README). */
const KNOWN = {
	desk: "4c04ef71-7e37-479c-87f9-d2c1f38188c4",
	lamp: "3e254496-82c3-40b0-a7fc-8e860a83b85a",
	chair: "4a5724ef-af47-4746-b97f-183487ec4afe",
	pens: "ebdd4976-c576-4b3d-9f27-e03e3c5d80cc",
	aliceAddress: "a27389d1-ae8c-41a8-aeda-38891a4fba65",
	bobFirstAddress: "52e9ee1e-facb-4cf4-9936-7ec50c203f5f",
	shippedOrder: "6c3b7ef3-93be-494e-8add-47e364f2a2ec",
	shipment: "8042212e-76a2-4b5b-a661-2e73f69f7a4c",
	declinedOrder: "5ba4c672-9e9a-4f36-9817-2e40facf3048",
	cancelledOrder: "cd1847ed-50c2-40fd-8f7e-0da6bc03341f",
	paidOrder: "87528123-24e0-48a8-ac46-623df47a4183"
};

interface Line {
	level: "info" | "warn";
	text: string;
}

function recordingLogger(lines: Line[]) {
	return {
		info: (...args: unknown[]) => lines.push({ level: "info", text: args.join(" ") }),
		warn: (...args: unknown[]) => lines.push({ level: "warn", text: args.join(" ") })
	};
}

function copyFixture(): string {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), "nedb-import-"));
	fs.cpSync(FIXTURE, dir, { recursive: true });
	return dir;
}

async function openService(dataDir: string, service: string): Promise<Record<string, Store>> {
	const stores = createStores(SERVICES[service], { uri: null, dataDir: path.join(dataDir, service), connectTimeoutMs: 5000 });
	for (const store of Object.values(stores)) await store.connect();
	return stores;
}

async function closeAll(services: Record<string, Record<string, Store>>): Promise<void> {
	for (const stores of Object.values(services)) for (const store of Object.values(stores)) await store.disconnect();
}

/** A field stored as null may come back absent: only the values that are there are compared. */
function withoutNulls(doc: NedbDocument): NedbDocument {
	return Object.fromEntries(Object.entries(doc).filter(([, v]) => v !== null && v !== undefined));
}

function rawLines(file: string): Array<Record<string, unknown>> {
	return fs
		.readFileSync(file, "utf8")
		.split("\n")
		.filter(Boolean)
		.map(l => JSON.parse(l));
}

describe("the fixture written by release 0.1.0", () => {
	it("holds both shapes of file: appended to (superseded and $$deleted lines) and compacted", () => {
		const products = rawLines(path.join(FIXTURE, "products/products.db"));
		const productIds = products.filter(l => l._id && !l.$$deleted).map(l => l._id);
		expect(new Set(productIds).size).toBeLessThan(productIds.length);
		expect(products).toContainEqual({ $$deleted: true, _id: KNOWN.chair });

		// NeDB's compaction: one line per live document, then the index lines.
		const users = rawLines(path.join(FIXTURE, "users/users.db"));
		const firstIndexLine = users.findIndex(l => l.$$indexCreated);
		expect(firstIndexLine).toBeGreaterThan(0);
		expect(users.slice(firstIndexLine).every(l => l.$$indexCreated)).toBe(true);
		const userIds = users.filter(l => l._id).map(l => l._id);
		expect(new Set(userIds).size).toBe(userIds.length);
	});
});

describe("importNedbDataDir on the data directory of release 0.1.0", () => {
	let dataDir: string;
	const services: Record<string, Record<string, Store>> = {};
	/** What the reader finds in each file before the import: service -> collection -> documents. */
	const expected: Record<string, Record<string, Map<string, NedbDocument>>> = {};
	const results: Record<string, CollectionImport[]> = {};
	const logs: Line[] = [];

	beforeAll(async () => {
		dataDir = copyFixture();
		for (const [service, specs] of Object.entries(SERVICES)) {
			expected[service] = {};
			for (const spec of specs)
				expected[service][spec.name] = (await readNedbFile(path.join(dataDir, service, `${spec.name}.db`))).docs;
			services[service] = await openService(dataDir, service);
			results[service] = await importNedbDataDir(path.join(dataDir, service), services[service], recordingLogger(logs));
		}
	});
	afterAll(async () => {
		await closeAll(services);
		fs.rmSync(dataDir, { recursive: true, force: true });
	});

	const product = (id: string) => services.products.products.findById(id);

	it("brings every live document of every collection, with its own id and its values", async () => {
		let total = 0;
		for (const [service, collections] of Object.entries(expected)) {
			for (const [collection, docs] of Object.entries(collections)) {
				const store = services[service][collection];
				expect({ collection, count: await store.count() }).toEqual({ collection, count: docs.size });
				for (const [id, fields] of docs) expect(await store.findById(id)).toMatchObject({ id, ...withoutNulls(fields) });
				total += docs.size;
			}
		}
		// Not a vacuous loop: the fixture holds the records its README lists.
		expect(total).toBeGreaterThan(100);
	});

	it("reports and logs each collection's count, and where its file is kept", () => {
		const imports = Object.values(results).flat();
		expect(imports.map(r => r.collection).sort()).toEqual(
			Object.values(SERVICES)
				.flat()
				.map(s => s.name)
				.sort()
		);
		expect(results.products).toEqual([
			{
				collection: "products",
				file: path.join(dataDir, "products/products.db"),
				keptAs: path.join(dataDir, "products/products.db.imported"),
				documents: 3,
				imported: 3
			}
		]);
		const info = logs.filter(l => l.level === "info").map(l => l.text);
		expect(info).toHaveLength(imports.length);
		expect(info).toContainEqual(
			expect.stringMatching(
				/^Imported 3 of 3 products documents from the NeDB file .*products\.db; .*products\.db\.imported for a manual rollback$/
			)
		);
		expect(logs.filter(l => l.level === "warn")).toEqual([]);
	});

	it("keeps the customers as registered", async () => {
		const alice = await services.users.users.findOne({ email: "alice@example.com" });
		expect(alice).toMatchObject({ name: "Alice Archer", roles: ["customer"], active: true });
		expect(alice!.passwordHash).toMatch(/^scrypt\$/);
		expect(await services.users.users.findOne({ email: "bob@example.com" })).toMatchObject({ name: "Bob Baker" });
		expect(await services.users.addresses.findById(KNOWN.aliceAddress)).toMatchObject({
			userId: alice!.id,
			city: "Berlin",
			isDefault: true
		});
	});

	it("keeps the orders in their last status with their totals", async () => {
		const orders = services.orders.orders;
		expect(await orders.findById(KNOWN.shippedOrder)).toMatchObject({ status: "shipped", totalMinor: 32880, currency: "EUR" });
		expect(await orders.findById(KNOWN.declinedOrder)).toMatchObject({
			status: "cancelled",
			cancelReason: "payment_failed",
			totalMinor: 18950,
			payment: { status: "failed", failureReason: "declined", last4: "0002" }
		});
		expect(await orders.findById(KNOWN.cancelledOrder)).toMatchObject({
			status: "cancelled",
			cancelReason: "customer",
			totalMinor: 3600,
			payment: { status: "refunded" }
		});
		expect(await orders.findById(KNOWN.paidOrder)).toMatchObject({ status: "paid", totalMinor: 3990 });
		expect(await services.shipping.shipments.findById(KNOWN.shipment)).toMatchObject({
			orderId: KNOWN.shippedOrder,
			status: "shipped"
		});
	});

	it("takes a product's last state, escaped line separator included, and leaves the deleted product out", async () => {
		expect(await product(KNOWN.lamp)).toMatchObject({
			name: "Desk Lamp",
			priceMinor: 3490,
			description: "LED lamp\u2028with a dimmer, now cheaper"
		});
		expect(await product(KNOWN.desk)).toMatchObject({ priceMinor: 24900, sku: "DESK-1" });
		expect(await product(KNOWN.chair)).toBeNull();
		expect(await services.products.products.findOne({ sku: "CHAIR-1" })).toBeNull();
		expect(await services.users.addresses.findById(KNOWN.bobFirstAddress)).toBeNull();
		expect(await services.inventory.inventory_items.findOne({ productId: KNOWN.pens })).toMatchObject({ onHand: 90, available: 90 });
	});

	it("moves every NeDB file aside as <collection>.db.imported", () => {
		for (const [service, specs] of Object.entries(SERVICES)) {
			for (const spec of specs) {
				expect(fs.existsSync(path.join(dataDir, service, `${spec.name}.db`))).toBe(false);
				expect(fs.existsSync(path.join(dataDir, service, `${spec.name}.db.imported`))).toBe(true);
			}
		}
	});

	it("imports nothing on a second run", async () => {
		const again: Line[] = [];
		for (const [service, stores] of Object.entries(services)) {
			expect(await importNedbDataDir(path.join(dataDir, service), stores, recordingLogger(again))).toEqual([]);
		}
		expect(again).toEqual([]);
		expect(await services.products.products.count()).toBe(3);
	});
});

describe("importNedbDataDir when the previous run was cut short or the file is unusual", () => {
	let dataDir: string;
	let stores: Record<string, Store>;
	let productsDir: string;

	beforeEach(async () => {
		dataDir = copyFixture();
		productsDir = path.join(dataDir, "products");
		stores = await openService(dataDir, "products");
	});
	afterEach(async () => {
		await closeAll({ products: stores });
		fs.rmSync(dataDir, { recursive: true, force: true });
	});

	it("skips the ids a crashed run already stored, and adds the rest once", async () => {
		const { docs } = await readNedbFile(path.join(productsDir, "products.db"));
		const lamp = docs.get(KNOWN.lamp)!;
		await stores.products.insert({ ...lamp, id: KNOWN.lamp });
		const logs: Line[] = [];
		const [result] = await importNedbDataDir(productsDir, stores, recordingLogger(logs));
		expect(result).toMatchObject({ documents: 3, imported: 2 });
		expect(await stores.products.count()).toBe(3);
		expect(logs.map(l => l.text)).toEqual([expect.stringMatching(/^Imported 2 of 3 products documents .* \(1 were already in\);/)]);
	});

	it("reads the ~ copy a compaction left when the file itself is missing", async () => {
		fs.renameSync(path.join(productsDir, "products.db"), path.join(productsDir, "products.db~"));
		const [result] = await importNedbDataDir(productsDir, stores, recordingLogger([]));
		expect(result).toMatchObject({ file: path.join(productsDir, "products.db~"), imported: 3 });
		expect(fs.existsSync(path.join(productsDir, "products.db~"))).toBe(false);
		expect(await stores.products.count()).toBe(3);
	});

	it("does not overwrite the file an earlier import kept", async () => {
		fs.writeFileSync(path.join(productsDir, "products.db.imported"), "earlier\n");
		const [result] = await importNedbDataDir(productsDir, stores, recordingLogger([]));
		expect(result.keptAs).toBe(path.join(productsDir, "products.db.imported.2"));
		expect(fs.readFileSync(path.join(productsDir, "products.db.imported"), "utf8")).toBe("earlier\n");
	});

	it("warns about a line cut short by a crash and imports the rest", async () => {
		fs.appendFileSync(path.join(productsDir, "products.db"), '{"name":"Half written","_id":"x');
		const logs: Line[] = [];
		const [result] = await importNedbDataDir(productsDir, stores, recordingLogger(logs));
		expect(result).toMatchObject({ documents: 3, imported: 3 });
		expect(logs.filter(l => l.level === "warn").map(l => l.text)).toEqual([
			expect.stringMatching(/products\.db: the last line \(11\) is cut short/)
		]);
		expect(logs.find(l => l.level === "info")!.text).toMatch(/1 unreadable lines skipped/);
	});

	it("stops, leaving the file in place, when a document clashes with a different one on a unique field", async () => {
		const at = new Date().toISOString();
		await stores.products.insert({
			name: "Someone else's lamp",
			nameLower: "someone else's lamp",
			sku: "LAMP-1",
			priceMinor: 100,
			currency: "EUR",
			category: "lighting",
			createdAt: at,
			updatedAt: at
		});
		await expect(importNedbDataDir(productsDir, stores, recordingLogger([]))).rejects.toThrow(
			new RegExp(`products\\.db: document ${KNOWN.lamp} clashes on .*sku.* will run again at the next start`)
		);
		expect(fs.existsSync(path.join(productsDir, "products.db"))).toBe(true);
		expect(fs.existsSync(path.join(productsDir, "products.db.imported"))).toBe(false);
		// The clash rolled back its whole batch: only the clashing product stays.
		expect(await stores.products.count()).toBe(1);
	});
});
