/** To the customer: the payment went through; shipping comes next. */
import { money, orderMail, orderNumber, type OrderMailData, type RenderedMail } from "./layout";

export function orderPaid(o: OrderMailData): RenderedMail {
	return orderMail(o, `Payment received for order ${orderNumber(o.orderId)}`, [
		`We received your payment of ${money(o.total, o.currency)}. We are preparing your parcel and will tell you when it ships.`
	]);
}
