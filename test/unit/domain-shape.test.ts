/**
 * Every domain names the same roles alike (docs/architecture.md, Adding a domain): the collections
 * in `collections.ts`, validation rules in `params.ts`, what clients see in `shape.ts`, and the data
 * of every event the domain emits in `events.ts`, where its consumers import it from.
 */
import fs from "node:fs";
import path from "node:path";

const ROOT = path.join(__dirname, "..", "..");
const DOMAINS = ["products", "inventory", "orders", "payments", "shipping", "users", "carts", "notifications", "logs"];

const read = (file: string) => fs.readFileSync(path.join(ROOT, file), "utf8");
const domainFiles = (domain: string) => fs.readdirSync(path.join(ROOT, "lib", domain)).filter(f => f.endsWith(".ts"));

/** Names other domains once used for these roles. */
const ROLE_ALIASES = /^(collection|public|schemas?|types)\.ts$|-(shape|view|collection|schema)s?\.ts$/;

/** The event types a domain's service and code send: `stage("x.y"`, `emit("x.y"`, `broadcast("x.y"` and the `"x.sent" : "x.failed"` pairs. */
function emittedTypes(domain: string): string[] {
	const sources = [`services/${domain}.service.ts`, ...domainFiles(domain).map(f => `lib/${domain}/${f}`)].map(read).join("\n");
	const sent = [...sources.matchAll(/\b(?:stage|emit|broadcast)\(\s*"([a-z_]+\.[a-z_]+)"/g)].map(m => m[1]);
	const chosen = [...sources.matchAll(/\?\s*"([a-z_]+\.[a-z_]+)"\s*:\s*"([a-z_]+\.[a-z_]+)"/g)].flatMap(m => [m[1], m[2]]);
	return [...new Set([...sent, ...chosen])].filter(t => !t.startsWith("cache.") && !t.startsWith("logs."));
}

describe("each lib/<domain>/ has the same shape", () => {
	it.each(DOMAINS)("%s names its roles as every domain does", domain => {
		const files = domainFiles(domain);
		expect(files.filter(f => ROLE_ALIASES.test(f))).toEqual([]);
		// Whatever declares a collection is collections.ts.
		const declaring = files.filter(f => /\bCollectionSpec\b/.test(read(`lib/${domain}/${f}`)));
		expect(declaring).toEqual(["collections.ts"]);
	});

	it.each(DOMAINS)("%s declares every event it emits in events.ts", domain => {
		const types = emittedTypes(domain);
		if (!types.length) return expect(fs.existsSync(path.join(ROOT, "lib", domain, "events.ts"))).toBe(false);
		const contract = read(`lib/${domain}/events.ts`);
		expect(types.filter(t => !contract.includes(`"${t}":`))).toEqual([]);
	});

	it("finds the events a domain emits (the check above has something to check)", () => {
		expect(emittedTypes("orders")).toEqual(expect.arrayContaining(["order.created"]));
		expect(emittedTypes("notifications")).toEqual(expect.arrayContaining(["notification.sent", "notification.failed"]));
		expect(emittedTypes("carts")).toEqual([]);
	});
});
