/** Who may see an order: its owner, an admin, or another service (no user in the call). Others get 404, not 403. */
import type { OrderDoc } from "./collection";

export interface Caller {
	id: string;
	roles: string[];
}

export const isAdmin = (user: Caller | null | undefined): boolean => !!user?.roles?.includes("admin");

export function canSeeOrder(user: Caller | null | undefined, order: Pick<OrderDoc, "userId">): boolean {
	return !user || isAdmin(user) || order.userId === user.id;
}

/** Whose orders a caller may list: themselves, anyone for an admin. */
export function canListOrdersOf(user: Caller | null | undefined, userId: string): boolean {
	return !user || isAdmin(user) || user.id === userId;
}
