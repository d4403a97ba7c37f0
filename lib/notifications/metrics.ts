/**
 * This domain's business figures on /metrics (lib/metrics/business-metrics.ts names them all):
 * Mails sent and failed for good, from notification.sent and .failed.
 */
import { BUSINESS_METRICS as M } from "../metrics/business-metrics";
import { isText, outcomeRecorders, type MetricsSpec } from "../metrics/spec";

export function notificationMetrics(): MetricsSpec {
	const settled = outcomeRecorders<"sent" | "failed">("notificationId", (outcome, { template }, sink) =>
		sink.increment(M.notifications, { outcome, template: isText(template) ? template : "" })
	);
	return {
		metrics: [
			{
				type: "counter",
				name: M.notifications,
				labelNames: ["outcome", "template"],
				description: "Notifications settled, by outcome (sent, or failed after every attempt) and template"
			}
		],
		events: { "notification.sent": settled("sent"), "notification.failed": settled("failed") }
	};
}
