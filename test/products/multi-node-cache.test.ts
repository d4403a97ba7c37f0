/**
 * Two products nodes over NATS on one PostgreSQL database, each with its own memory cache: a write
 * on one node must clean the other node's cache (the cache.clean.products broadcast), although the
 * domain event itself reaches only one products instance.
 */
import type { BrokerOptions, ServiceBroker } from "moleculer";
import { createBroker } from "../../create-broker";
import type { Store } from "../../lib/store";
import type { ProductDoc } from "../../lib/products/collections";
import { PG_HOST, PG_PORT, createTestDatabase, type TestDatabase } from "../helpers/postgres";
import { describeWithServer, serverUp } from "../helpers/servers";

const describeIfBoth = serverUp(PG_HOST, PG_PORT)
	? describeWithServer("NATS", "127.0.0.1", 4222)
	: describeWithServer("PostgreSQL", PG_HOST, PG_PORT);

async function eventually<T>(read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 3000): Promise<T> {
	const until = Date.now() + timeoutMs;
	for (;;) {
		const v = await read();
		if (ok(v) || Date.now() > until) return v;
		await new Promise(r => setTimeout(r, 25));
	}
}

describeIfBoth("products cache on two nodes (NATS + PostgreSQL)", () => {
	const namespace = `products-cache-${process.pid}-${Date.now().toString(36)}`;
	let db: TestDatabase;
	let a: ServiceBroker;
	let b: ServiceBroker;
	const saved = process.env.DB_URI;
	let cleansSeenByB = 0;

	beforeAll(async () => {
		db = await createTestDatabase("products_cache");
		process.env.DB_URI = db.uri;
		const transporter = "nats://127.0.0.1:4222" as BrokerOptions["transporter"];
		const node = (id: string) => createBroker({ nodeID: `${namespace}-${id}`, namespace, transporter }, ["products"]);
		a = node("a");
		b = node("b");
		b.createService({
			name: "clean-probe",
			events: {
				"cache.clean.products"() {
					cleansSeenByB++;
				}
			}
		});
		// One after the other: two stores creating the same tables at once on a fresh database race.
		await a.start();
		await b.start();
		await a.waitForServices([{ name: "products" }], 10_000);
		// Both nodes see each other's products service before the test starts.
		await eventually(
			async () => a.registry.getServiceList({ onlyAvailable: true }).filter(s => s.name === "products").length,
			n => n >= 2,
			10_000
		);
	}, 30_000);

	afterAll(async () => {
		await Promise.all([a?.stop(), b?.stop()]);
		if (saved === undefined) delete process.env.DB_URI;
		else process.env.DB_URI = saved;
		await db?.drop();
	});

	const get = (broker: ServiceBroker, id: string) =>
		broker.call<{ price: number }, { id: string }>("products.get", { id }, { nodeID: broker.nodeID }).then(p => p.price);

	it("a write on node A cleans node B's cached reads", async () => {
		const created = await a.call<{ id: string }, Record<string, unknown>>(
			"products.create",
			{ name: "Two-node lamp", price: 10 },
			{ nodeID: a.nodeID }
		);
		// The create's own broadcast reaches B asynchronously; let it land before B caches anything.
		await eventually(
			async () => cleansSeenByB,
			n => n >= 1
		);
		expect(await get(b, created.id)).toBe(10);
		expect(await get(a, created.id)).toBe(10);

		// B really serves from its cache: a change behind the services' back stays invisible there.
		const store = (b.getLocalService("products") as unknown as { store(name: string): Store<ProductDoc> }).store("products");
		await store.updateById(created.id, { set: { priceMinor: 1100 } });
		expect(await get(b, created.id)).toBe(10);

		await a.call("products.update", { id: created.id, price: 12 }, { nodeID: a.nodeID });
		expect(await get(a, created.id)).toBe(12);
		expect(
			await eventually(
				() => get(b, created.id),
				v => v === 12
			)
		).toBe(12);
	});
});
