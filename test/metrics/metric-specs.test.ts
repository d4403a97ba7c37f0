/** The arithmetic of the business metrics, on their own: Kafka lag, the checkout time, counting each event once. */
import { createEvent } from "../../lib/events";
import { newId } from "../../lib/ids";
import { uuidV7Time } from "../../lib/metrics/business-metrics";
import { orderMetrics } from "../../lib/orders/metrics";
import { paymentMetrics } from "../../lib/payments/metrics";
import { lagOf } from "../../lib/metrics/kafka-lag";
import type { Labels, MetricSink } from "../../lib/metrics/spec";

/** A sink that writes down what it is told. */
function recordingSink() {
	const calls: Array<[string, string, number, Labels | undefined]> = [];
	const sink: MetricSink = {
		increment: (name, labels, value = 1) => calls.push(["increment", name, value, labels]),
		set: (name, value, labels) => calls.push(["set", name, value, labels]),
		observe: (name, value, labels) => calls.push(["observe", name, value, labels])
	};
	return { sink, calls };
}

describe("Kafka lag", () => {
	const ends = [
		{ partition: 0, high: "10", low: "0" },
		{ partition: 1, high: "7", low: "5" },
		{ partition: 2, high: "3", low: "0" }
	];

	it("adds end minus committed offset over partitions, counting a never-committed partition from its start", () => {
		expect(
			lagOf(ends, [
				{ partition: 0, offset: "4" },
				{ partition: 1, offset: "-1" },
				{ partition: 2, offset: "3" }
			])
		).toBe(6 + 2 + 0);
	});

	it("leaves out a group that committed nothing on the topic", () => {
		expect(lagOf(ends, [{ partition: 0, offset: "-1" }])).toBeNull();
	});
});

describe("the checkout time", () => {
	it("reads the creation time out of an entity id", () => {
		const before = Date.now();
		const at = uuidV7Time(newId())!;
		expect(at).toBeGreaterThanOrEqual(before);
		expect(at).toBeLessThanOrEqual(Date.now());
		expect(uuidV7Time("c9bf9e57-1685-4c89-bafb-ff5af830be8a")).toBeNull();
	});

	it("observes placed to paid once per order, and not for a re-driven order.paid", () => {
		const spec = orderMetrics();
		const { sink, calls } = recordingSink();
		const orderId = newId();
		const paid = createEvent("orders", "order.paid", orderId, { orderId });
		const placedAt = uuidV7Time(orderId)!;
		paid.time = new Date(placedAt + 1500).toISOString();
		spec.events!["order.paid"]!(createEvent("orders", "order.paid", newId(), { orderId: newId(), redrive: true }), sink);
		spec.events!["order.paid"]!(paid, sink);
		spec.events!["order.paid"]!({ ...paid, id: newId() }, sink);
		expect(calls).toEqual([["observe", "shop.checkout.duration.seconds", 1.5, undefined]]);
	});
});

describe("payment outcomes", () => {
	it("counts a payment announced again once, with the reason of a failure", () => {
		const spec = paymentMetrics();
		const { sink, calls } = recordingSink();
		const failed = createEvent("payments", "payment.failed", "p1", { orderId: "o1", paymentId: "p1", reason: "declined" });
		spec.events!["payment.failed"]!(failed, sink);
		spec.events!["payment.failed"]!({ ...failed, id: newId() }, sink);
		expect(calls).toEqual([["increment", "shop.payments.total", 1, { outcome: "failed", reason: "declined" }]]);
	});
});
