/** Every migration, in the order they run. A new one goes at the end; a released one never changes. */
import { firstRelease } from "./versions/0001-first-release";
import { notificationsBodyKeptSince } from "./versions/0002-notifications-body-kept-since";
import { ordersReconcilerIndex } from "./versions/0003-orders-reconciler-index";
import { refreshTokensExpiryIndex } from "./versions/0004-refresh-tokens-expiry-index";
import { outbox } from "./versions/0005-outbox";
import type { Migration } from "./types";

export const MIGRATIONS: readonly Migration[] = [
	firstRelease,
	notificationsBodyKeptSince,
	ordersReconcilerIndex,
	refreshTokensExpiryIndex,
	outbox
];

/** The services some migration creates tables for, in the order first named. */
export function migratedServices(migrations: readonly Migration[] = MIGRATIONS): string[] {
	return [...new Set(migrations.flatMap(m => Object.keys(m.services)))];
}
