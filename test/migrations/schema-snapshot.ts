/** What a PostgreSQL database's tables look like, in a form two databases can be compared by. */
import { Client } from "pg";

/** Per table: its columns (name, type, null, default) and index definitions, sorted. */
export type SchemaSnapshot = Record<string, { columns: string[]; indexes: string[] }>;

export async function schemaSnapshot(uri: string): Promise<SchemaSnapshot> {
	const client = new Client({ connectionString: uri });
	await client.connect();
	try {
		const snapshot: SchemaSnapshot = {};
		const table = (name: string) => (snapshot[name] ??= { columns: [], indexes: [] });
		const columns = await client.query(
			`SELECT table_name, column_name, data_type, character_maximum_length, is_nullable, column_default
			 FROM information_schema.columns WHERE table_schema = 'public'`
		);
		for (const c of columns.rows) {
			const type = c.character_maximum_length ? `${c.data_type}(${c.character_maximum_length})` : c.data_type;
			const nullable = c.is_nullable === "YES" ? "null" : "not null";
			table(c.table_name).columns.push(
				`${c.column_name} ${type} ${nullable}${c.column_default ? ` default ${c.column_default}` : ""}`
			);
		}
		const indexes = await client.query("SELECT tablename, indexdef FROM pg_indexes WHERE schemaname = 'public'");
		for (const i of indexes.rows) table(i.tablename).indexes.push(String(i.indexdef).replace(/public\./g, ""));
		for (const t of Object.values(snapshot)) {
			t.columns.sort();
			t.indexes.sort();
		}
		return snapshot;
	} finally {
		await client.end();
	}
}

export async function queryRows(uri: string, sql: string, params: unknown[] = []): Promise<Record<string, unknown>[]> {
	const client = new Client({ connectionString: uri });
	await client.connect();
	try {
		return (await client.query(sql, params)).rows;
	} finally {
		await client.end();
	}
}
