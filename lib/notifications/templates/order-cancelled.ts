/** To the customer: the order was cancelled, and why; what happens to their money. */
import { orderMail, orderNumber, type OrderMailData, type RenderedMail } from "./layout";

const WHY: Record<string, string> = {
	out_of_stock: "Unfortunately, some items of your order are out of stock.",
	payment_failed: "Unfortunately, the payment for your order did not go through. Nothing was charged.",
	customer: "As you asked, we cancelled your order.",
	admin: "We had to cancel your order. Please contact us if you have any questions.",
	refunded: "We refunded your payment, so your order was cancelled. Please contact us if you have any questions."
};

export function orderCancelled(o: OrderMailData & { refunded?: boolean }): RenderedMail {
	const paragraphs = [WHY[o.cancelReason ?? ""] ?? "Your order was cancelled."];
	if (o.refunded) paragraphs.push("The amount you paid is being refunded to your card.");
	return orderMail(o, `Your order ${orderNumber(o.orderId)} was cancelled`, paragraphs);
}
