/** Who receives which realtime event, and what of it leaves the server. */
import { audienceOf, publicData } from "../../lib/realtime/audience";
import { OrderOwners } from "../../lib/realtime/owners";

describe("realtime audience", () => {
	it("order, payment and shipment events go to their customer and the admins", () => {
		for (const type of ["order.created", "order.paid", "payment.succeeded", "payment.refunded", "shipment.shipped"])
			expect(audienceOf(type, "u1")).toEqual({ userId: "u1", admins: true });
		// Owner unknown: admins only.
		expect(audienceOf("payment.failed", undefined)).toEqual({ userId: undefined, admins: true });
	});

	it("stock and catalog alerts go to admins only; other events to nobody", () => {
		for (const type of ["inventory.low_stock", "product.deleted", "product.unavailable"])
			expect(audienceOf(type, "u1")).toEqual({ admins: true });
		for (const type of ["inventory.reserved", "user.registered", "product.created"]) expect(audienceOf(type, "u1")).toBeNull();
	});

	it("never sends the payment token", () => {
		expect(publicData({ orderId: "o1", paymentToken: "tok_secret", total: 5 })).toEqual({ orderId: "o1", total: 5 });
	});

	it("remembers order owners, boundedly", () => {
		const owners = new OrderOwners(2);
		owners.set("o1", "u1");
		owners.set("o2", "u2");
		owners.set("o1", "someone-else");
		owners.set("o3", "u3");
		expect([owners.get("o1"), owners.get("o2"), owners.get("o3")]).toEqual([undefined, "u2", "u3"]);
	});
});
