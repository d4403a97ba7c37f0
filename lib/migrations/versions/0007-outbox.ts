/**
 * The transactional outbox (lib/outbox/): beside each service's own tables, `<service>_outbox`
 * (events recorded with the change they announce, until relayed) and `<service>_handled_events`
 * (the events its consumers handled, so a redelivery is skipped).
 */
import type { Migration, ServiceStep } from "../types";

/** The services with a database when this migration was written. */
const SERVICES = ["products", "inventory", "orders", "payments", "shipping", "users", "notifications", "carts", "logs"];

function outboxTables(service: string): ServiceStep {
	const outbox = `${service}_outbox`;
	const handled = `${service}_handled_events`;
	return {
		postgres: [
			`CREATE TABLE IF NOT EXISTS ${outbox} (
				id VARCHAR(64) PRIMARY KEY,
				type TEXT NOT NULL,
				subject TEXT,
				event JSONB NOT NULL,
				"createdAt" DOUBLE PRECISION NOT NULL,
				attempts BIGINT DEFAULT 0,
				"nextAttemptAt" DOUBLE PRECISION NOT NULL,
				"lastError" TEXT
			)`,
			`CREATE INDEX IF NOT EXISTS ${outbox}_next_attempt_at ON ${outbox} ("nextAttemptAt")`,
			`CREATE TABLE IF NOT EXISTS ${handled} (
				id VARCHAR(64) PRIMARY KEY,
				consumer TEXT NOT NULL,
				"eventId" TEXT NOT NULL,
				"handledAt" TEXT NOT NULL
			)`,
			`CREATE INDEX IF NOT EXISTS ${handled}_handled_at ON ${handled} ("handledAt")`
		],
		mongo: {
			create: [
				{ collection: outbox, indexes: [{ key: { nextAttemptAt: 1 } }] },
				{ collection: handled, indexes: [{ key: { handledAt: 1 } }] }
			]
		}
	};
}

export const outbox: Migration = {
	name: "0007-outbox",
	services: Object.fromEntries(SERVICES.map(service => [service, outboxTables(service)]))
};
