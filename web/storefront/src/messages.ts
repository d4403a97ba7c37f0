/** What a customer reads about an order's outcome: the payment failure, the cancellation and the status. */

export const STATUS_LABELS: Record<string, string> = {
	pending: "Pending",
	confirmed: "Confirmed",
	paid: "Paid",
	shipped: "Shipped",
	delivered: "Delivered",
	cancelled: "Cancelled"
};

/** The payments' failureReason (lib/payments test cards) to a message that says what to do. */
export const PAYMENT_FAILURES: Record<string, string> = {
	declined: "Your card was declined. Nothing was charged. Please use another card.",
	insufficient_funds: "Your card has insufficient funds. Nothing was charged. Please use another card.",
	processing_error: "The card processor had an error and could not take the payment. Nothing was charged. Please try again."
};

export const CANCEL_REASONS: Record<string, string> = {
	out_of_stock: "An item of this order went out of stock before it could be reserved. Nothing was charged.",
	payment_failed: "The payment failed.",
	customer: "You cancelled this order.",
	admin: "The shop cancelled this order.",
	refunded: "The payment was refunded, which cancelled the order."
};

export function paymentFailureMessage(reason: string | undefined): string {
	return (reason && PAYMENT_FAILURES[reason]) ?? "The payment failed. Nothing was charged. Please try again or use another card.";
}

/** The customer may cancel until the order is shipped (DELETE /orders/{id}). */
export function cancellable(status: string): boolean {
	return status === "pending" || status === "confirmed" || status === "paid";
}
