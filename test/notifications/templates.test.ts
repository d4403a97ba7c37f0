/** The mail templates and the rules of who gets which message, without a broker. */
import { lowStockNotifications, orderNotifications, type Directory } from "../../lib/notifications/sources";
import { retryDelay } from "../../lib/notifications/settings";
import { templates } from "../../lib/notifications/templates";

const order = { orderId: "1a2b3c4d-0000-4000-8000-000000000000", total: 75, currency: "EUR" };

function directory(overrides: Partial<Directory> = {}): Directory {
	return {
		customer: async id => (id === "u1" ? { email: "Ann@Example.com", name: "Ann <b>" } : null),
		adminEmails: async () => ["admin@example.com", "ADMIN@example.com", "boss@example.com"],
		order: async () => ({ items: [{ name: "Lamp & shade", quantity: 3, subtotal: 75 }] }),
		productName: async () => "Lamp",
		...overrides
	};
}

describe("mail templates", () => {
	it("render subject, text and HTML with the order number, lines and total; HTML is escaped", () => {
		const m = templates.orderConfirmed({
			...order,
			customerName: "Ann <b>",
			items: [{ name: "Lamp & shade", quantity: 3, subtotal: 75 }]
		});
		expect(m.subject).toBe("Your order 1A2B3C4D is confirmed");
		expect(m.text).toContain("Hello Ann <b>,");
		expect(m.text).toContain("3 x Lamp & shade: 75.00 EUR");
		expect(m.text).toContain("Total: 75.00 EUR");
		expect(m.html).toContain("Lamp &amp; shade");
		expect(m.html).toContain("Ann &lt;b&gt;");
		expect(m.html).not.toContain("<b>,");
	});

	it.each([
		["out_of_stock", "out of stock", false],
		["payment_failed", "Nothing was charged", false],
		["customer", "As you asked", true],
		["admin", "We had to cancel", true]
	])("explains a cancellation (%s)", (reason, words, refunded) => {
		const m = templates.orderCancelled({ ...order, cancelReason: reason, refunded });
		expect(m.subject).toBe("Your order 1A2B3C4D was cancelled");
		expect(m.text).toContain(words);
		expect(m.text.includes("refunded")).toBe(refunded);
	});

	it("names the product and what is left in a low-stock alert", () => {
		const m = templates.lowStock({ productId: "p1", productName: "Lamp", available: 4, lowStockThreshold: 5 });
		expect(m.subject).toBe("Low stock: Lamp (4 left)");
		expect(m.text).toContain("4 available, threshold 5");
	});
});

describe("who gets which message", () => {
	it("one mail to the customer per order transition, keyed by the transition (not the event id)", async () => {
		const data = { ...order, userId: "u1", reason: "customer", previousStatus: "paid" };
		const [n] = await orderNotifications("order.cancelled", data, directory());
		expect(n).toMatchObject({
			recipient: "ann@example.com",
			userId: "u1",
			template: "order_cancelled",
			relatedId: order.orderId,
			eventId: `order.cancelled:${order.orderId}:ann@example.com`
		});
		expect(n.body).toContain("refunded");
	});

	it("no mail for an unknown customer; the order's lines are optional", async () => {
		expect(await orderNotifications("order.paid", { ...order, userId: "nobody" }, directory())).toEqual([]);
		const [n] = await orderNotifications(
			"order.paid",
			{ ...order, userId: "u1" },
			directory({ order: async () => Promise.reject(new Error("down")) })
		);
		expect(n.body).toContain("Total: 75.00 EUR");
	});

	it("a low-stock alert to each admin once, keyed by the alert's event id", async () => {
		const event = { id: "ev-1", data: { productId: "p1", available: 4, lowStockThreshold: 5 } } as never;
		const list = await lowStockNotifications(event, directory());
		expect(list.map(n => n.recipient)).toEqual(["admin@example.com", "boss@example.com"]);
		expect(list.map(n => n.eventId)).toEqual([
			"inventory.low_stock:ev-1:admin@example.com",
			"inventory.low_stock:ev-1:boss@example.com"
		]);
		expect(list[0].subject).toBe("Low stock: Lamp (4 left)");
	});

	it("backs off exponentially, capped", () => {
		const s = { retryDelayMs: 100, retryMaxDelayMs: 500 };
		expect([1, 2, 3, 4, 5].map(n => retryDelay(s, n))).toEqual([100, 200, 400, 500, 500]);
	});
});
