/** Which databases migrations own, and the settings of the migration runs. */
import { migrationSettings, schemaOwnedByMigrations } from "../../lib/migrations/settings";

describe("migration settings", () => {
	it("owns the schema of PostgreSQL and MongoDB in production only", () => {
		const production = { NODE_ENV: "production" };
		expect(schemaOwnedByMigrations("postgres://db/shop", production)).toBe(true);
		expect(schemaOwnedByMigrations("postgresql://db/shop", production)).toBe(true);
		expect(schemaOwnedByMigrations("mongodb://db/shop", production)).toBe(true);
		expect(schemaOwnedByMigrations("mongodb+srv://db/shop", production)).toBe(true);
		// Other Sequelize dialects keep sync(): the migrations are PostgreSQL DDL.
		expect(schemaOwnedByMigrations("sqlite://./shop.db", production)).toBe(false);
		expect(schemaOwnedByMigrations("postgres://db/shop", { NODE_ENV: "development" })).toBe(false);
		expect(schemaOwnedByMigrations("postgres://db/shop", { NODE_ENV: "test" })).toBe(false);
		expect(schemaOwnedByMigrations("postgres://db/shop", {})).toBe(false);
	});

	it("reads MIGRATE_ON_START and MIGRATE_LOCK_TIMEOUT_MS, refusing values it cannot read", () => {
		expect(migrationSettings({})).toEqual({ onStart: false, lockTimeoutMs: 300_000 });
		expect(migrationSettings({ MIGRATE_ON_START: "true", MIGRATE_LOCK_TIMEOUT_MS: "2000" })).toEqual({
			onStart: true,
			lockTimeoutMs: 2000
		});
		expect(migrationSettings({ MIGRATE_ON_START: "0" }).onStart).toBe(false);
		expect(() => migrationSettings({ MIGRATE_ON_START: "sometimes" })).toThrow(
			'Invalid MIGRATE_ON_START in configuration: "sometimes"'
		);
		expect(() => migrationSettings({ MIGRATE_LOCK_TIMEOUT_MS: "-1" })).toThrow("Invalid MIGRATE_LOCK_TIMEOUT_MS");
	});
});
