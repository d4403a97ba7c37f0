import { collectRoutes } from "../../lib/gateway/route-table";

describe("route table", () => {
	it("puts static segments before parameters and refuses duplicates", () => {
		const routes = collectRoutes([
			{
				name: "users",
				actions: { get: { rest: "GET /users/:id", handler: () => 1 }, me: { rest: "GET /users/me", handler: () => 1 } }
			}
		]);
		expect(routes.map(r => r.path)).toEqual(["/users/me", "/users/:id"]);
		expect(() =>
			collectRoutes([
				{ name: "a", actions: { x: { rest: "GET /same", handler: () => 1 } } },
				{ name: "b", actions: { y: { rest: "GET /same", handler: () => 1 } } }
			])
		).toThrow(/declared by both a.x and b.y/);
		expect(() => collectRoutes([{ name: "a", actions: { x: { rest: "FETCH /x", handler: () => 1 } } }])).toThrow(/Invalid rest/);
	});
});
