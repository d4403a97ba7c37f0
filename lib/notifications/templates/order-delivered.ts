/** To the customer: the parcel arrived. */
import { orderMail, orderNumber, type OrderMailData, type RenderedMail } from "./layout";

export function orderDelivered(o: OrderMailData): RenderedMail {
	return orderMail(o, `Your order ${orderNumber(o.orderId)} was delivered`, [
		"Your order was delivered. We hope you enjoy it, and thank you for shopping with us."
	]);
}
