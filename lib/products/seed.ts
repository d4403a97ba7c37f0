/** Loads a catalog through products.upsertBySku: idempotent (keyed by sku), with the usual events. */
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

export interface SeedSummary {
	created: number;
	updated: number;
	unchanged: number;
}

export async function seedCatalog(broker: ServiceBroker, catalog: SeedProduct[], concurrency = 8): Promise<SeedSummary> {
	const summary: SeedSummary = { created: 0, updated: 0, unchanged: 0 };
	const queue = [...catalog];
	const worker = async () => {
		for (let item = queue.shift(); item; item = queue.shift()) {
			const res = await broker.call<{ outcome: keyof SeedSummary }, SeedProduct>("products.upsertBySku", item);
			summary[res.outcome]++;
		}
	};
	await Promise.all(Array.from({ length: Math.min(concurrency, catalog.length) }, worker));
	return summary;
}
