/**
 * The stock audit's reads of live reservations, one status at a time in id order, as index seeks on
 * (status, id); the index on status alone, a prefix of it, goes. (On the embedded store, paging by
 * id over the status index read and sorted every live reservation for each page.)
 */
import type { Migration } from "../types";

export const reservationsStatusIdIndex: Migration = {
	name: "0009-reservations-status-id-index",
	services: {
		inventory: {
			postgres: [
				`CREATE INDEX IF NOT EXISTS reservations_status_id ON reservations (status, id)`,
				`DROP INDEX IF EXISTS reservations_status`
			],
			mongo: {
				create: [{ collection: "reservations", indexes: [{ key: { status: 1, _id: 1 } }] }],
				drop: [{ collection: "reservations", index: "status_1" }]
			}
		}
	}
};
