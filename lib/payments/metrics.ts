/**
 * This domain's business figures on /metrics (lib/metrics/business-metrics.ts names them all):
 * Payment outcomes and amounts, from payment.succeeded, .failed and .refunded.
 */
import { BUSINESS_METRICS as M } from "../metrics/business-metrics";
import { isText, outcomeRecorders, type MetricsSpec } from "../metrics/spec";

export function paymentMetrics(): MetricsSpec {
	const outcome = outcomeRecorders<"succeeded" | "failed" | "refunded">("paymentId", (name, { reason, amount, currency }, sink) => {
		sink.increment(M.payments, { outcome: name, reason: name === "failed" && isText(reason) ? reason : "" });
		if (typeof amount === "number" && isText(currency)) sink.increment(M.paymentAmount, { outcome: name, currency }, amount);
	});
	return {
		metrics: [
			{
				type: "counter",
				name: M.payments,
				labelNames: ["outcome", "reason"],
				description: "Payments settled, by outcome (succeeded, failed, refunded) and failure reason"
			},
			{
				type: "counter",
				name: M.paymentAmount,
				labelNames: ["outcome", "currency"],
				description: "Amounts charged (succeeded) and refunded, in the currency's major unit"
			}
		],
		events: { "payment.succeeded": outcome("succeeded"), "payment.failed": outcome("failed"), "payment.refunded": outcome("refunded") }
	};
}
