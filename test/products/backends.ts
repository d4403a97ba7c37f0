/** The storage backends the products suite runs on; each prepares a fresh, empty database. */
import { startMongoServer } from "../helpers/mongo-server";
import { createTestDatabase } from "../helpers/postgres";

export interface PreparedBackend {
	/** Environment for startStack (DB_URI, ...). */
	env: Record<string, string | undefined>;
	cleanup(): Promise<void>;
}

export interface Backend {
	label: string;
	prepare(): Promise<PreparedBackend>;
	/** Whether the database refuses a duplicate sku (its unique index is enforced). */
	enforcesUniqueSku: boolean;
	/** How many writes the tests send at once when filling the catalog. */
	parallelWrites: number;
}

/** No URI: the embedded SQLite store in the stack's temporary DATA_DIR. */
export const embeddedBackend: Backend = {
	label: "the embedded SQLite store",
	enforcesUniqueSku: true,
	parallelWrites: 16,
	async prepare() {
		return { env: { DB_URI: undefined, PRODUCTS_DB_URI: undefined }, cleanup: async () => undefined };
	}
};

export const postgresBackend: Backend = {
	label: "PostgreSQL",
	enforcesUniqueSku: true,
	parallelWrites: 16,
	async prepare() {
		const db = await createTestDatabase("products");
		return { env: { DB_URI: db.uri, PRODUCTS_DB_URI: undefined }, cleanup: () => db.drop() };
	}
};

export const congoBackend: Backend = {
	label: "MongoDB wire protocol (CongoDB in-process, not a real mongod)",
	// The helper enforces unique indexes (test/helpers/mongo-server.ts patches CongoDB for it).
	enforcesUniqueSku: true,
	// CongoDB drops pooled connections under many concurrent writes ("Server ended moreToCome
	// unexpectedly"); a real mongod does not, so this only paces the test.
	parallelWrites: 4,
	async prepare() {
		const server = await startMongoServer();
		return { env: { DB_URI: server.uri, PRODUCTS_DB_URI: undefined }, cleanup: () => server.stop() };
	}
};
