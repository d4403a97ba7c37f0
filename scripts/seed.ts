/**
 * `npm run seed`: loads the demo catalog (scripts/seed-data.ts) into the products store the app
 * uses (PRODUCTS_DB_URI, DB_URI or the embedded store under DATA_DIR), through the products
 * service's `upsertBySku` action, so reruns update instead of duplicating and product events are
 * emitted (with TRANSPORTER set, inventory on other nodes receives them). The gateway is not needed.
 *
 * With the embedded store, stop the app first: two processes must not write the same NeDB files.
 */
import { createBroker } from "../lib/broker/create-broker";
import { seedCatalog } from "../lib/products/seed";
import { DEMO_CATALOG } from "./seed-data";

async function main() {
	process.env.LOG_LEVEL ??= "warn";
	const broker = createBroker({ nodeID: `seed-${process.pid}` }, ["products"]);
	try {
		await broker.start();
		const { created, updated, unchanged } = await seedCatalog(broker, DEMO_CATALOG);
		console.log(`Seeded ${DEMO_CATALOG.length} demo products: created ${created}, updated ${updated}, unchanged ${unchanged}`);
	} finally {
		await broker.stop();
	}
}

main().catch(err => {
	console.error(`Seeding failed: ${(err as Error).message}`);
	process.exit(1);
});
