/**
 * Owner-or-admin reads, one rule for every domain: a user's records (orders, payments, shipments,
 * notifications, the account itself) may be read by their owner, by an admin, or by another
 * service (a call that carries no user). Anyone else is answered 404, as if the record did not
 * exist, so ids cannot be probed.
 */
import { NotFoundError } from "./errors";
import type { Doc, Filter, Store } from "./store";

export interface Caller {
	id: string;
	roles: string[];
}

export const isAdmin = (user: Caller | null | undefined): boolean => !!user?.roles?.includes("admin");

/** Whether the caller may see what belongs to `ownerId`. */
export function canSee(user: Caller | null | undefined, ownerId: string | null | undefined): boolean {
	return !user || isAdmin(user) || (!!ownerId && ownerId === user.id);
}

/** The condition that narrows a list to what the caller may see: nothing for an admin or a service, their own otherwise. */
export function ownerScope(user: Caller | null | undefined): Filter {
	return !user || isAdmin(user) ? {} : { userId: user.id };
}

/** The record with this id if the caller may see it; otherwise a 404 naming `entity`. */
export async function findVisible<T extends Doc & { userId?: string | null }>(
	store: Store<T>,
	user: Caller | null | undefined,
	entity: string,
	id: string
): Promise<T> {
	const doc = await store.findById(id);
	if (!doc || !canSee(user, doc.userId)) throw new NotFoundError(entity, id);
	return doc;
}
