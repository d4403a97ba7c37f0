/** The events the payments service emits and their data (docs/order-flow.md): the contract its consumers import. */
import type { PaymentFailedData, PaymentRefundedData, PaymentSucceededData } from "./event-data";

export type { PaymentFailedData, PaymentRefundedData, PaymentSucceededData } from "./event-data";

export interface PaymentEvents {
	"payment.succeeded": PaymentSucceededData;
	"payment.failed": PaymentFailedData;
	"payment.refunded": PaymentRefundedData;
}
