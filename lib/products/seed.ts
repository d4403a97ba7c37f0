/**
 * Loading a catalog (`npm run seed`): creates the products whose sku does not exist yet, each
 * with its initial stock, and skips the others, so a rerun creates nothing twice. The stock goes
 * in the product create (`stock`), which products hands to inventory in product.created; products
 * that still have no stock record afterwards (the event was lost, or an earlier seed ran without
 * inventory) get one directly, so every seeded product can be ordered.
 *
 * Where the products go is a SeedTarget: the running app over HTTP (seed-http.ts) or services
 * started in this process (seed-broker.ts).
 */
import type { ServiceBroker } from "moleculer";

export interface SeedProduct {
	sku: string;
	name: string;
	description: string;
	price: number;
	currency?: string;
	category: string;
	images?: string[];
	/** Initial on-hand quantity, handed to inventory when the product is created. */
	stock?: number;
}

/** What the seed needs from the system it loads. */
export interface SeedTarget {
	/** sku -> product id, for every product that has a sku. */
	productIdsBySku(): Promise<Map<string, string>>;
	/** Creates the product with its `stock`; null when a product with this sku exists already. */
	createProduct(product: SeedProduct): Promise<{ id: string } | null>;
	/** Those of the given product ids that have a stock record. */
	stockedProductIds(productIds: string[]): Promise<Set<string>>;
	/** Creates the stock record of a product; false when it has one already. */
	createStock(productId: string, onHand: number): Promise<boolean>;
}

export interface SeedOutcome {
	created: SeedProduct[];
	/** A product with this sku existed. */
	skipped: SeedProduct[];
	/** Existing products that had no stock record and got one. */
	stockAdded: SeedProduct[];
}

export interface SeedOptions {
	concurrency?: number;
	/** How long to wait for inventory to record the stock of the products just created. */
	stockWaitMs?: number;
	/** Called as each product is created or skipped. */
	onProduct?: (product: SeedProduct, outcome: "created" | "skipped") => void;
}

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

async function forEachLimited<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
	const queue = [...items];
	const worker = async () => {
		for (let item = queue.shift(); item !== undefined; item = queue.shift()) await work(item);
	};
	await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

/** Polls until every id has a stock record or the time is up; returns those that have one. */
async function waitForStock(target: SeedTarget, ids: string[], waitMs: number): Promise<Set<string>> {
	const deadline = Date.now() + waitMs;
	for (;;) {
		const stocked = await target.stockedProductIds(ids);
		if (stocked.size === ids.length || Date.now() >= deadline) return stocked;
		await sleep(200);
	}
}

export async function seedMissing(target: SeedTarget, catalog: SeedProduct[], opts: SeedOptions = {}): Promise<SeedOutcome> {
	const { concurrency = 4, stockWaitMs = 10_000, onProduct } = opts;
	const outcome: SeedOutcome = { created: [], skipped: [], stockAdded: [] };
	let ids = await target.productIdsBySku();
	const createdIds = new Map<SeedProduct, string>();
	let lostRace = false;

	await forEachLimited(catalog, concurrency, async product => {
		const made = ids.has(product.sku) ? null : await target.createProduct(product);
		if (made) {
			createdIds.set(product, made.id);
			outcome.created.push(product);
		} else {
			lostRace ||= !ids.has(product.sku);
			outcome.skipped.push(product);
		}
		onProduct?.(product, made ? "created" : "skipped");
	});
	// Created meanwhile by someone else (a concurrent seed): look their ids up.
	if (lostRace) ids = await target.productIdsBySku();

	const created = [...createdIds.values()];
	const existing = outcome.skipped.filter(p => ids.has(p.sku));
	const stocked = new Set([
		...(await waitForStock(target, created, stockWaitMs)),
		...(await target.stockedProductIds(existing.map(p => ids.get(p.sku)!)))
	]);
	const needStock: Array<[SeedProduct, string]> = [
		...[...createdIds].filter(([, id]) => !stocked.has(id)),
		...existing.map(p => [p, ids.get(p.sku)!] as [SeedProduct, string]).filter(([, id]) => !stocked.has(id))
	];
	await forEachLimited(needStock, concurrency, async ([product, id]) => {
		// A product just created whose event only arrives now is not counted: its stock came the normal way.
		if ((await target.createStock(id, product.stock ?? 0)) && !createdIds.has(product)) outcome.stockAdded.push(product);
	});
	return outcome;
}

export interface UpsertSummary {
	created: number;
	updated: number;
	unchanged: number;
}

/**
 * Brings every catalog product to the given fields through products.upsertBySku (created, updated
 * or unchanged), in the calling process. For imports that own the catalog's fields; the seed only
 * adds what is missing (seedMissing).
 */
export async function seedCatalog(broker: ServiceBroker, catalog: SeedProduct[], concurrency = 8): Promise<UpsertSummary> {
	const summary: UpsertSummary = { created: 0, updated: 0, unchanged: 0 };
	await forEachLimited(catalog, concurrency, async item => {
		const res = await broker.call<{ outcome: keyof UpsertSummary }, SeedProduct>("products.upsertBySku", item);
		summary[res.outcome]++;
	});
	return summary;
}
