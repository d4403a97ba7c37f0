import { collectRoutes, toAliases, type AliasMiddleware } from "../../lib/gateway/route-table";

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

	it("turns routes into moleculer-web aliases, with a middleware before the action when a route has one", () => {
		const before: AliasMiddleware = (_req, _res, next) => next();
		expect(
			toAliases([
				{ method: "GET", path: "/users/:id", action: "users.get" },
				{ method: "PUT", path: "/users/:id", action: "users.updateMe", before }
			])
		).toEqual({ "GET /users/:id": "users.get", "PUT /users/:id": [before, "users.updateMe"] });
	});
});
