/** To the customer: the stock of every line is reserved; payment comes next. */
import { orderMail, orderNumber, type OrderMailData, type RenderedMail } from "./layout";

export function orderConfirmed(o: OrderMailData): RenderedMail {
	return orderMail(o, `Your order ${orderNumber(o.orderId)} is confirmed`, [
		"Thank you for your order. Every item is reserved for you, and we are now taking the payment."
	]);
}
