import { Errors } from "moleculer";
import { toErrorBody } from "../../lib/gateway/error-body";

describe("error body", () => {
	it("names unknown fields reported by the strict validator", () => {
		const err = new Errors.ValidationError("Parameters validation error!", "VALIDATION_ERROR", [
			{ type: "objectStrict", message: "forbidden keys", actual: "roles, isAdmin" },
			{ type: "string", field: "name", message: "must be a string" }
		]);
		const { status, body } = toErrorBody(err);
		expect(status).toBe(422);
		expect(body.error.message).toBe("Invalid field(s): roles, isAdmin, name");
		expect((body.error.data as Array<{ field: string }>).map(d => d.field)).toEqual(["roles", "isAdmin", "name"]);
	});

	it("hides everything about unexpected errors", () => {
		const { status, body } = toErrorBody(new TypeError("Cannot read properties of undefined (reading 'x') at /app/services/x.ts:3"));
		expect(status).toBe(500);
		expect(body).toEqual({ error: { type: "INTERNAL_ERROR", message: "Internal server error", code: 500 } });
	});

	it("turns a missing service into 503", () => {
		expect(toErrorBody(new Errors.ServiceNotFoundError({ action: "products.get" })).status).toBe(503);
		expect(toErrorBody(new Errors.RequestTimeoutError({ action: "products.get", nodeID: "n" })).status).toBe(503);
	});
});
