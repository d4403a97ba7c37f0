/**
 * A PostgreSQL database as release 0.1.0 left it: its schema (test/fixtures/migrations, the dump of
 * that release's sync(), as first published or at its last commit) holding the data the release
 * wrote through its HTTP API (test/fixtures/nedb-data-0.1.0), one row per live document, in the
 * columns that schema has.
 */
import fs from "node:fs";
import path from "node:path";
import { Client } from "pg";
import { readNedbFile, type NedbDocument } from "../../lib/store/nedb-file";

const SCHEMAS = path.join(__dirname, "../fixtures/migrations");

/** The two states of release 0.1.0: as first published, and at its last commit (orders.shipmentId, the notifications status index). */
export const RELEASE_SCHEMAS = {
	first: "release-0.1.0-6eebf57-postgres.sql",
	last: "release-0.1.0-3bbc8fb-postgres.sql"
} as const;
const DATA = path.join(__dirname, "../fixtures/nedb-data-0.1.0");

export type ReleaseDocument = NedbDocument & { id: string };

/** Every live document of the release's data, by table. */
export async function releaseDocuments(): Promise<Map<string, ReleaseDocument[]>> {
	const byTable = new Map<string, ReleaseDocument[]>();
	for (const service of fs.readdirSync(DATA, { withFileTypes: true }).filter(e => e.isDirectory())) {
		for (const file of fs.readdirSync(path.join(DATA, service.name)).filter(f => f.endsWith(".db"))) {
			const { docs } = await readNedbFile(path.join(DATA, service.name, file));
			byTable.set(
				path.basename(file, ".db"),
				[...docs].map(([id, doc]) => ({ ...doc, id }))
			);
		}
	}
	return byTable;
}

async function columnsOf(client: Client, table: string): Promise<Map<string, string>> {
	const { rows } = await client.query(
		"SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1",
		[table]
	);
	return new Map(rows.map(r => [r.column_name as string, r.data_type as string]));
}

/** Loads a schema of the release and its data into an empty database; returns the columns each table got. */
export async function createReleaseDatabase(uri: string, schema: string): Promise<Map<string, Set<string>>> {
	const client = new Client({ connectionString: uri });
	await client.connect();
	const loaded = new Map<string, Set<string>>();
	try {
		await client.query(fs.readFileSync(path.join(SCHEMAS, schema), "utf8"));
		for (const [table, docs] of await releaseDocuments()) {
			const columns = await columnsOf(client, table);
			if (columns.size === 0) throw new Error(`release 0.1.0 had no table ${table}`);
			for (const doc of docs) {
				const names = Object.keys(doc).filter(k => columns.has(k));
				const values = names.map(k => (columns.get(k) === "jsonb" ? JSON.stringify(doc[k]) : doc[k]));
				await client.query(
					`INSERT INTO ${table} (${names.map(n => `"${n}"`).join(", ")}) VALUES (${names.map((_, i) => `$${i + 1}`).join(", ")})`,
					values
				);
			}
			loaded.set(table, new Set(columns.keys()));
		}
	} finally {
		await client.end();
	}
	return loaded;
}
