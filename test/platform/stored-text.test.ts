/**
 * Regression (found by test/fuzz): the embedded store (SQLite) cuts a string at a NUL and stores an
 * unpaired surrogate as U+FFFD, so a product named "abc\u0000def" was answered 201 with that name
 * and read back as "abc", an address line "a\u0000b" as "a", and the orderIds "\u0000" and "" of
 * POST /inventory/reserve became one (its events then carried no orderId). Such strings are now a
 * 422 naming the field, on every action, and nothing is stored.
 */
import { randomUUID } from "node:crypto";
import { signAccessToken } from "../../lib/jwt";
import { client, type Client, type HttpResult } from "../helpers/http";
import { startStack, type Stack } from "../helpers/stack";

const token = (roles: string[], sub: string = randomUUID()) =>
	signAccessToken({ sub, roles, jti: randomUUID(), sid: randomUUID() }, 900, process.env.JWT_SECRET!);

function expectNotText(r: HttpResult, field: string) {
	expect(r.status).toBe(422);
	expect(r.body.error).toMatchObject({ type: "VALIDATION_ERROR", code: 422 });
	expect(r.body.error.data).toContainEqual(expect.objectContaining({ field, type: "stringText" }));
}

describe("strings that the store cannot keep are refused", () => {
	let stack: Stack;
	let api: Client;
	const admin = token(["admin"]);

	beforeAll(async () => {
		stack = await startStack({ services: ["api", "products", "inventory", "users"], env: { RATE_LIMIT_MAX: "100000" } });
		api = client(stack.baseUrl);
	});
	afterAll(() => stack?.stop());

	it("refuses a product name with a NUL or a lone surrogate, and creates none", async () => {
		expectNotText(await api.post("/api/v1/products", { name: "abc\u0000def", price: 1 }, { token: admin }), "name");
		expectNotText(await api.post("/api/v1/products", { name: "x\ud800y", price: 1 }, { token: admin }), "name");
		const list = await api.get("/api/v1/products?pageSize=100");
		expect(list.body.items).toEqual([]);
		// Text that is only unusual is kept as sent.
		const ok = await api.post("/api/v1/products", { name: "\u202eRTL \u200b\u{1F6D2}", price: 1 }, { token: admin });
		expect(ok.status).toBe(201);
		expect((await api.get(`/api/v1/products/${ok.body.id}`)).body.name).toBe("\u202eRTL \u200b\u{1F6D2}");
	});

	it("refuses such a string in a nested field of an address, and in the orderId of a reservation", async () => {
		const reg = await api.post("/api/v1/auth/register", {
			email: `t-${randomUUID()}@example.com`,
			password: "Secret-pass-1",
			name: "T"
		});
		expect(reg.status).toBe(201);
		const address = { line1: "a\u0000b", city: "Berlin", postalCode: "10115", country: "DE" };
		expectNotText(await api.post("/api/v1/users/me/addresses", address, { token: reg.body.accessToken }), "line1");
		expect((await api.get("/api/v1/users/me/addresses", { token: reg.body.accessToken })).body.items).toEqual([]);
		const reserve = await api.post(
			"/api/v1/inventory/reserve",
			{ orderId: "\u0000", items: [{ productId: "p", quantity: 1 }] },
			{ token: admin }
		);
		expectNotText(reserve, "orderId");
	});
});
