/**
 * A deterministic catalog for the query tests: 220 products with mixed-case names, shared prices
 * (so sorts have ties), six categories (one lower-case), a word only found in descriptions, and
 * names full of LIKE / regex metacharacters. Expected answers are computed here, independently of
 * the service, from the products as the API returned them on create.
 */
export interface CatalogInput {
	name: string;
	description: string;
	price: number;
	category: string;
}

export interface ApiProduct {
	id: string;
	name: string;
	description: string;
	price: number;
	currency: string;
	category: string;
	sku?: string;
	images: string[];
	createdAt: string;
	updatedAt: string;
}

export const CATEGORIES = ["Lamps", "Books", "Garden", "Kitchen", "Toys", "audio"];
const ADJECTIVES = ["Amber", "Brass", "Cobalt", "Desk", "Ember", "Floor", "Granite", "Harbor", "Ivory", "Jade", "Kelp", "Lunar"];
const NOUNS = ["Lamp", "Chair", "Kettle", "Novel", "Speaker", "Rake", "Puzzle", "Mug"];

/** Small seeded PRNG (mulberry32), so every run builds the same catalog. */
function rng(seed: number) {
	let a = seed;
	return () => {
		a = (a + 0x6d2b79f5) | 0;
		let t = Math.imul(a ^ (a >>> 15), 1 | a);
		t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

export function buildCatalog(count = 220): CatalogInput[] {
	const random = rng(20240611);
	const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)];
	// 40 distinct prices for 220 products: plenty of ties; boundary values of the range tests included.
	const pricePool = [
		0.01,
		0.3,
		19.99,
		100,
		200.5,
		999999.99,
		...Array.from({ length: 34 }, () => Math.floor(random() * 50_000 + 1) / 100)
	];
	const items: CatalogInput[] = [];
	for (let i = 0; i < count; i++) {
		let name = `${pick(ADJECTIVES)} ${pick(NOUNS)} ${String(i).padStart(3, "0")}`;
		if (i % 7 === 0) name = name.toLowerCase();
		if (i % 11 === 0) name = name.toUpperCase();
		const description = i % 5 === 0 ? `Finished in oiled Walnut, item ${i}.` : `Sturdy everyday item number ${i}.`;
		items.push({ name, description, price: pick(pricePool), category: pick(CATEGORIES) });
	}
	// Metacharacters must match literally in q (LIKE % and _, regex . * ( ) [ ]).
	items.push({ name: "Lamp v2.0 (beta) 100% [x]", description: "Special characters.", price: 19.99, category: "Lamps" });
	items.push({ name: "snake_case_lamp", description: "Underscores.", price: 100, category: "lamps-extra" });
	return items;
}

export const minor = (p: { price: number }) => Math.round(p.price * 100);

export type SortValue = "price" | "-price" | "name" | "-name" | "createdAt" | "-createdAt";

/** The order the API promises: the sort field, then id ascending for ties (code-point order). */
export function sortProducts(list: ApiProduct[], sort: SortValue): ApiProduct[] {
	const desc = sort.startsWith("-");
	const field = desc ? sort.slice(1) : sort;
	const key = (p: ApiProduct): number | string => (field === "price" ? minor(p) : field === "name" ? p.name.toLowerCase() : p.createdAt);
	return [...list].sort((a, b) => {
		const ka = key(a);
		const kb = key(b);
		if (ka !== kb) return (ka < kb ? -1 : 1) * (desc ? -1 : 1);
		return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
	});
}

export function matchesQ(p: ApiProduct, q: string): boolean {
	const needle = q.toLowerCase();
	return p.name.toLowerCase().includes(needle) || p.description.toLowerCase().includes(needle);
}
