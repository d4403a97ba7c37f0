/** A fresh PostgreSQL database per test run, dropped afterwards, so runs never collide. */
import { Client } from "pg";

export const PG_HOST = process.env.PGHOST_TEST ?? "127.0.0.1";
export const PG_PORT = Number(process.env.PGPORT_TEST ?? 5432);
const ADMIN_URI = `postgres://postgres@${PG_HOST}:${PG_PORT}/test`;

export interface TestDatabase {
	uri: string;
	drop(): Promise<void>;
}

export async function createTestDatabase(label: string): Promise<TestDatabase> {
	const name = `shop_${label.replace(/\W/g, "_")}_${process.pid}_${Date.now().toString(36)}`.toLowerCase();
	const admin = new Client({ connectionString: ADMIN_URI });
	await admin.connect();
	try {
		await admin.query(`CREATE DATABASE "${name}"`);
	} finally {
		await admin.end();
	}
	return {
		uri: `postgres://postgres@${PG_HOST}:${PG_PORT}/${name}`,
		async drop() {
			const c = new Client({ connectionString: ADMIN_URI });
			await c.connect();
			try {
				await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
			} finally {
				await c.end();
			}
		}
	};
}
