/** Every migration, in the order they run. A new one goes at the end; a released one never changes. */
import { firstRelease } from "./versions/0001-first-release";
import { ordersShipmentId } from "./versions/0002-orders-shipment-id";
import { notificationsStatusIndex } from "./versions/0003-notifications-status-index";
import { notificationsBodyKeptSince } from "./versions/0004-notifications-body-kept-since";
import { ordersReconcilerIndex } from "./versions/0005-orders-reconciler-index";
import { refreshTokensExpiryIndex } from "./versions/0006-refresh-tokens-expiry-index";
import { outbox } from "./versions/0007-outbox";
import { ordersCompensationDueAt } from "./versions/0008-orders-compensation-due-at";
import { reservationsStatusIdIndex } from "./versions/0009-reservations-status-id-index";
import { fewerWriteIndexes } from "./versions/0010-fewer-write-indexes";
import type { Migration } from "./types";

export const MIGRATIONS: readonly Migration[] = [
	firstRelease,
	ordersShipmentId,
	notificationsStatusIndex,
	notificationsBodyKeptSince,
	ordersReconcilerIndex,
	refreshTokensExpiryIndex,
	outbox,
	ordersCompensationDueAt,
	reservationsStatusIdIndex,
	fewerWriteIndexes
];

/** The services some migration creates tables for, in the order first named. */
export function migratedServices(migrations: readonly Migration[] = MIGRATIONS): string[] {
	return [...new Set(migrations.flatMap(m => Object.keys(m.services)))];
}
