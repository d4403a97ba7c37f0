/** To the customer: the parcel left the warehouse. */
import { orderMail, orderNumber, type OrderMailData, type RenderedMail } from "./layout";

export function orderShipped(o: OrderMailData): RenderedMail {
	return orderMail(o, `Your order ${orderNumber(o.orderId)} has shipped`, ["Good news: your order is on its way."]);
}
