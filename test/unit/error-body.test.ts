import { Errors } from "moleculer";
import { ConnectionAcquireTimeoutError, ConnectionRefusedError } from "sequelize";
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

	it("turns a database out of reach (a pool with no free connection, a server not answering) into 503, naming nothing of it", () => {
		for (const err of [
			new ConnectionAcquireTimeoutError(new Error("Operation timeout")),
			new ConnectionRefusedError(new Error("ECONNREFUSED"))
		]) {
			const { status, body } = toErrorBody(err);
			expect(status).toBe(503);
			expect(body.error).toEqual({ type: "DATABASE_UNAVAILABLE", message: expect.not.stringMatching(/timeout|ECONN/), code: 503 });
		}
		// The same error after a hop over the transporter keeps only its name.
		expect(toErrorBody(Object.assign(new Error("x"), { name: "MongoServerSelectionError" })).status).toBe(503);
		// A query the database refused is still a bug: 500.
		expect(toErrorBody(Object.assign(new Error("syntax"), { name: "SequelizeDatabaseError" })).status).toBe(500);
	});
});
