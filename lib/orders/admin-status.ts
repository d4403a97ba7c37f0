/**
 * PUT /orders/:id/status (admin). Admins cancel (reason "admin" unless they name another cancel
 * reason), and mark shipped or delivered; confirmed and paid are reached only through the flow
 * (a reservation, a charge), so setting them by hand is refused like any illegal move (409).
 */
import { CANCEL_REASONS, type CancelReason, type OrderStatus } from "./collections";
import { IllegalTransitionError, type TransitionRequest } from "./order-state";

export const ADMIN_TARGETS: readonly OrderStatus[] = ["cancelled", "shipped", "delivered"];

export function adminTransition(
	orderId: string,
	currentStatus: OrderStatus,
	to: OrderStatus,
	by: string,
	reason?: string
): TransitionRequest {
	if (!ADMIN_TARGETS.includes(to)) throw new IllegalTransitionError(orderId, currentStatus, to);
	const note = reason || undefined;
	if (to !== "cancelled") return { to, by, note };
	const cancelReason: CancelReason = (CANCEL_REASONS as readonly string[]).includes(reason ?? "") ? (reason as CancelReason) : "admin";
	return { to, by, cancelReason, note };
}
