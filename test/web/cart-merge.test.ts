/** The cart of this browser joining the account's cart at sign-in (web/storefront/src/cart-merge.ts). */
import { MAX_LINE_QUANTITY, addLocal, mergeSteps, parseLocal, setLocal, type LocalLine } from "../../web/storefront/src/cart-merge";

const line = (productId: string, quantity: number): LocalLine => ({ productId, quantity, name: productId, price: 1, currency: "EUR" });

describe("cart merge at sign-in", () => {
	it("adds this browser's quantities to the account's, and sets only the lines that change", () => {
		const steps = mergeSteps(
			[line("a", 2), line("b", 1)],
			[
				{ productId: "a", quantity: 3 },
				{ productId: "c", quantity: 5 }
			]
		);
		expect(steps).toEqual([
			{ productId: "a", quantity: 5 },
			{ productId: "b", quantity: 1 }
		]);
	});

	it("caps a line at the server's maximum", () => {
		expect(mergeSteps([line("a", 60)], [{ productId: "a", quantity: 70 }])).toEqual([{ productId: "a", quantity: MAX_LINE_QUANTITY }]);
		// Already at the cap: nothing to send.
		expect(mergeSteps([line("a", 1)], [{ productId: "a", quantity: MAX_LINE_QUANTITY }])).toEqual([]);
	});

	it("sends absolute quantities, so a retried merge (the same steps applied twice) leaves the same cart", () => {
		const server = new Map([["a", 1]]);
		const steps = mergeSteps(
			[line("a", 2), line("b", 1)],
			[...server].map(([productId, quantity]) => ({ productId, quantity }))
		);
		const apply = () => steps.forEach(s => server.set(s.productId, s.quantity));
		apply();
		const once = new Map(server);
		apply();
		expect(server).toEqual(once);
		expect(Object.fromEntries(once)).toEqual({ a: 3, b: 1 });
	});

	it("adds up duplicate local lines and ignores malformed ones", () => {
		expect(mergeSteps([line("a", 1), line("a", 2), line("b", 0), line("c", 1.5)], [])).toEqual([{ productId: "a", quantity: 3 }]);
	});

	it("keeps the local cart within limits and drops tampered storage", () => {
		let lines = addLocal([], line("a", 99));
		lines = addLocal(lines, line("a", 5));
		expect(lines).toEqual([line("a", MAX_LINE_QUANTITY)]);
		expect(setLocal(lines, "a", 0)).toEqual([]);
		expect(parseLocal('[{"productId":"a","quantity":2,"name":"A","price":3,"currency":"EUR"},{"productId":1},"x"]')).toEqual([
			{ productId: "a", quantity: 2, name: "A", price: 3, currency: "EUR" }
		]);
		expect(parseLocal("{not json")).toEqual([]);
		expect(parseLocal('{"a":1}')).toEqual([]);
	});
});
