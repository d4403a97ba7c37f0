/**
 * The errors services throw. Each carries the HTTP status as `code`, so the gateway maps them
 * to the one error body without knowing any service.
 */
import { Errors } from "moleculer";

const { MoleculerClientError } = Errors;

export class NotFoundError extends MoleculerClientError {
	constructor(entity: string, id?: string) {
		super(`${entity} not found`, 404, "NOT_FOUND", id ? { id } : undefined);
	}
}

export class ConflictError extends MoleculerClientError {
	constructor(message: string, type = "CONFLICT", data?: unknown) {
		super(message, 409, type, data);
	}
}

export class UnauthorizedError extends MoleculerClientError {
	constructor(message = "Authentication required", type = "UNAUTHORIZED") {
		super(message, 401, type);
	}
}

export class ForbiddenError extends MoleculerClientError {
	constructor(message = "You are not allowed to do this") {
		super(message, 403, "FORBIDDEN");
	}
}

export class TooManyRequestsError extends MoleculerClientError {
	constructor(message: string, retryAfterSeconds: number) {
		super(message, 429, "TOO_MANY_REQUESTS", { retryAfter: retryAfterSeconds });
	}
}

/** A 422 naming the failing fields, in the same shape as the validator's errors. */
export class InvalidFieldsError extends MoleculerClientError {
	constructor(fields: { field: string; message: string; type?: string }[]) {
		super(
			`Invalid field(s): ${fields.map(f => f.field).join(", ")}`,
			422,
			"VALIDATION_ERROR",
			fields.map(f => ({ type: f.type ?? "invalid", field: f.field, message: f.message }))
		);
	}
}

export function invalidField(field: string, message: string, type?: string): InvalidFieldsError {
	return new InvalidFieldsError([{ field, message, type }]);
}
