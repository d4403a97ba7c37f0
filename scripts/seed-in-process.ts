/**
 * The seed when no app answers: products and inventory started in this process on the app's
 * storage (only products with TRANSPORTER set: the cluster's inventory nodes get the stock).
 * Refuses while a running app holds the embedded data: two processes must not write one DATA_DIR.
 */
import { createBroker } from "../create-broker";
import { lockEmbeddedData, type EmbeddedDataLocks } from "../lib/broker/embedded-data-locks";
import { loadConfig } from "../lib/config";
import { DataDirLockedError } from "../lib/data-dir-lock";
import { seedMissing, type SeedOptions, type SeedOutcome, type SeedProduct } from "../lib/products/seed";
import { brokerSeedTarget } from "../lib/products/seed-broker";
import { SeedRefused } from "../lib/products/seed-http";

const INVENTORY_WAIT_MS = 15_000;

export interface InProcessOptions {
	/** Where the app was looked for, and why it did not answer (for the messages). */
	origin: string;
	whyNoApp: string;
	onProduct?: SeedOptions["onProduct"];
}

export async function seedInProcess(catalog: SeedProduct[], { origin, whyNoApp, onProduct }: InProcessOptions): Promise<SeedOutcome> {
	const config = loadConfig();
	const broker = createBroker({ nodeID: `seed-${process.pid}` }, config.transporter ? ["products"] : ["products", "inventory"]);
	let locks: EmbeddedDataLocks;
	try {
		locks = lockEmbeddedData(broker);
	} catch (err) {
		if (!(err instanceof DataDirLockedError)) throw err;
		throw new SeedRefused(
			`the app (pid ${err.pid}) holds DATA_DIR ${config.dataDir} (${err.dir}), but no app answers at ${origin} (${whyNoApp}). ` +
				`Run the seed against that app (SEED_URL=<its address>, or the PORT it listens on), or stop it and run the seed again.`
		);
	}
	const stores = broker.services.flatMap(s => ("dbDescription" in s && s.dbDescription ? [`${s.name}: ${s.dbDescription}`] : []));
	console.log(
		`No app answers at ${origin} (${whyNoApp}): seeding ${catalog.length} demo products in this process (${stores.join("; ")})`
	);
	try {
		await broker.start();
		if (config.transporter)
			await broker.waitForServices("inventory", INVENTORY_WAIT_MS).catch(() => {
				throw new SeedRefused("No inventory node answers over TRANSPORTER: start one first, or the products would get no stock.");
			});
		return await seedMissing(brokerSeedTarget(broker), catalog, { onProduct });
	} finally {
		await broker.stop();
		locks.release();
	}
}
