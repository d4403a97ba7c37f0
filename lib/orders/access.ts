/** Who may see an order or list a user's orders: the one owner-or-admin rule of lib/access.ts. */
import { canSee, type Caller } from "../access";
import type { OrderDoc } from "./collection";

export { isAdmin, type Caller } from "../access";

export function canSeeOrder(user: Caller | null | undefined, order: Pick<OrderDoc, "userId">): boolean {
	return canSee(user, order.userId);
}

/** Whose orders a caller may list: themselves, anyone for an admin. */
export function canListOrdersOf(user: Caller | null | undefined, userId: string): boolean {
	return canSee(user, userId);
}
