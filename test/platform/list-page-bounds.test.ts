/**
 * Regression (found by test/fuzz): GET /payments, /shipments and /api/customers with
 * ?page=1.7976931348623157e308 answered 500 (the offset made of that page was refused by the
 * database: "datatype mismatch"). The page is capped like every other list's, so it is a 422
 * naming the field.
 */
import { randomUUID } from "node:crypto";
import { signAccessToken } from "../../lib/jwt";
import { client } from "../helpers/http";
import { startStack, type Stack } from "../helpers/stack";

describe("list routes: the page number is bounded", () => {
	let stack: Stack;
	const admin = signAccessToken(
		{ sub: randomUUID(), roles: ["admin"], jti: randomUUID(), sid: randomUUID() },
		900,
		process.env.JWT_SECRET!
	);

	beforeAll(async () => {
		stack = await startStack({ services: ["api", "payments", "shipping", "users"] });
	});
	afterAll(() => stack?.stop());

	it.each(["/api/v1/payments", "/api/v1/shipments", "/api/customers"])(
		"%s answers 422 naming 'page' for a page past 1,000,000, and an empty page at the cap",
		async route => {
			const api = client(stack.baseUrl);
			for (const page of ["1.7976931348623157e308", "9007199254740993", "1000001"]) {
				const r = await api.get(`${route}?page=${page}`, { token: admin });
				expect(r.status).toBe(422);
				expect(r.body.error.data.map((d: { field: string }) => d.field)).toEqual(["page"]);
			}
			const last = await api.get(`${route}?page=1000000&pageSize=100`, { token: admin });
			expect(last.status).toBe(200);
			expect(last.body.items).toEqual([]);
		}
	);
});
