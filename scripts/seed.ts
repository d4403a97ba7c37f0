/**
 * `npm run seed`: adds the demo catalog (scripts/seed-data.ts), each product with its initial
 * stock; products whose sku exists are skipped, so a rerun creates nothing twice.
 *
 * When the app answers at SEED_URL (default http://localhost:$PORT), the seed goes through it,
 * over its HTTP API as the admin (ADMIN_EMAIL / ADMIN_PASSWORD). Otherwise it starts products and
 * inventory in this process on the app's storage (only products with TRANSPORTER set: the
 * cluster's inventory gets the stock) and refuses when a running app holds the embedded data,
 * since two processes must not write the same DATA_DIR.
 */
import { loadConfig } from "../lib/config";
import { seedMissing, type SeedOutcome, type SeedProduct } from "../lib/products/seed";
import { SeedRefused, adminToken, appOrigin, httpSeedTarget, probeApp } from "../lib/products/seed-http";
import { DEMO_CATALOG } from "./seed-data";

const READY_WAIT_MS = 30_000;

function printCreated(product: SeedProduct, outcome: "created" | "skipped") {
	if (outcome === "created") console.log(`  created ${product.sku}  ${product.name} (stock ${product.stock ?? 0})`);
}

function printOutcome({ created, skipped, stockAdded }: SeedOutcome) {
	if (skipped.length) console.log(`  skipped ${skipped.length} whose sku exists: ${skipped.map(p => p.sku).join(", ")}`);
	for (const p of stockAdded) console.log(`  stock ${p.stock ?? 0} given to existing ${p.sku}, which had no stock record`);
	console.log(
		`Seeded ${DEMO_CATALOG.length} demo products: created ${created.length}, skipped ${skipped.length}, ` +
			`stock added to ${stockAdded.length} existing`
	);
}

async function untilReady(origin: string): Promise<void> {
	const deadline = Date.now() + READY_WAIT_MS;
	for (;;) {
		const probe = await probeApp(origin);
		if (probe.state === "ready") return;
		if (Date.now() >= deadline)
			throw new SeedRefused(
				`The app at ${origin} is not ready after ${READY_WAIT_MS / 1000} s: ${"detail" in probe ? probe.detail : ""}`
			);
		await new Promise(resolve => setTimeout(resolve, 500));
	}
}

async function seedThroughApp(origin: string): Promise<SeedOutcome> {
	const { adminEmail, adminPassword } = loadConfig();
	await untilReady(origin);
	const token = await adminToken(origin, adminEmail, adminPassword);
	console.log(`Seeding ${DEMO_CATALOG.length} demo products through the app at ${origin} as ${adminEmail}`);
	return seedMissing(httpSeedTarget(origin, token), DEMO_CATALOG, { onProduct: printCreated });
}

async function main() {
	process.env.LOG_LEVEL ??= "warn";
	const explicit = process.env.SEED_URL;
	const origin = appOrigin(explicit || `http://localhost:${loadConfig().port}`);
	const probe = await probeApp(origin);
	if (probe.state !== "absent") return seedThroughApp(origin);
	if (explicit)
		throw new SeedRefused(
			`No app answers at SEED_URL ${origin} (${probe.detail}): start it, or unset SEED_URL to seed in this process.`
		);
	// Loaded only here: the services take seconds to load, which the usual path through the app does without.
	const { seedInProcess } = await import("./seed-in-process");
	return seedInProcess(DEMO_CATALOG, { origin, whyNoApp: probe.detail, onProduct: printCreated });
}

main().then(printOutcome, err => {
	console.error(err instanceof SeedRefused ? `Seed refused: ${err.message}` : `Seeding failed: ${(err as Error).message}`);
	process.exit(1);
});
