/**
 * Maps any error to the one error body `{ error: { type, message, code, data? } }` and its HTTP
 * status. Client errors keep their message; anything else becomes a bare 500 without internals.
 */
interface AnyError {
	name?: string;
	message?: string;
	code?: number | string;
	status?: number;
	type?: string;
	data?: unknown;
}

export interface ErrorBody {
	error: { type: string; message: string; code: number; data?: unknown };
}

interface FieldError {
	field?: string;
	message?: string;
	type?: string;
	actual?: unknown;
}

/** fastest-validator reports unknown keys as one "objectStrict" item; name each key as a field. */
function expandUnknownKeys(items: FieldError[]): FieldError[] {
	return items.flatMap(i =>
		i.type === "objectStrict" && typeof i.actual === "string"
			? i.actual.split(/,\s*/).map(key => ({
					type: "unknownField",
					field: i.field ? `${i.field}.${key}` : key,
					message: `'${key}' is not an accepted field`
				}))
			: [i]
	);
}

function validationBody(err: AnyError): ErrorBody {
	const items = expandUnknownKeys(Array.isArray(err.data) ? (err.data as FieldError[]) : []);
	const fields = [...new Set(items.map(i => i.field).filter(Boolean))] as string[];
	return {
		error: {
			type: "VALIDATION_ERROR",
			message: fields.length ? `Invalid field(s): ${fields.join(", ")}` : (err.message ?? "Invalid request"),
			code: 422,
			data: items.map(i => ({ field: i.field, type: i.type, message: i.message }))
		}
	};
}

/** Errors of the database drivers that say the database is out of reach for now (Sequelize's connection errors, MongoDB's network and selection errors). */
const DATABASE_UNAVAILABLE =
	/^(Sequelize(ConnectionAcquireTimeout|ConnectionRefused|ConnectionTimedOut|HostNotFound|HostNotReachable|Connection)Error|Mongo(NetworkError|NetworkTimeoutError|ServerSelectionError|PoolClearedError|WaitQueueTimeoutError)|ConnectionAcquireTimeoutError|DatabaseUnavailableError)$/;

export function toErrorBody(err: unknown): { status: number; body: ErrorBody; retryAfter?: number } {
	const e = (err ?? {}) as AnyError;
	const name = e.name ?? "";
	const code = typeof e.code === "number" ? e.code : (e.status ?? 500);

	if (name === "ValidationError" || e.type === "VALIDATION_ERROR") return { status: 422, body: validationBody(e) };

	// RequestRejectedError: the node went away while the call was pending (lib/broker/failover.middleware.ts).
	if (["ServiceNotFoundError", "ServiceNotAvailableError", "ServiceUnavailableError", "RequestRejectedError"].includes(name))
		return {
			status: 503,
			body: {
				error: {
					type: "SERVICE_UNAVAILABLE",
					message: "The service behind this route is not available, try again shortly",
					code: 503
				}
			}
		};
	if (name === "RequestTimeoutError")
		return {
			status: 503,
			body: { error: { type: "SERVICE_TIMEOUT", message: "The service did not answer in time, try again shortly", code: 503 } }
		};
	if (name === "QueueIsFullError" || name === "CircuitBreakerOpenError" || e.type === "CIRCUIT_BREAKER_OPEN")
		return {
			status: 503,
			body: { error: { type: "SERVICE_OVERLOADED", message: "The service is overloaded, try again shortly", code: 503 } }
		};
	// The service's database could not be reached, or no connection of its pool came free in time: retryable.
	if (DATABASE_UNAVAILABLE.test(name ?? ""))
		return {
			status: 503,
			body: {
				error: {
					type: "DATABASE_UNAVAILABLE",
					message: "The service's database is busy or unreachable, try again shortly",
					code: 503
				}
			}
		};
	if (name === "RateLimitExceeded" || code === 429) {
		const retryAfter = Number((e.data as { retryAfter?: number } | undefined)?.retryAfter) || undefined;
		return {
			status: 429,
			retryAfter,
			body: {
				error: {
					type: "TOO_MANY_REQUESTS",
					message: e.message && e.message !== "Rate limit exceeded" ? e.message : "Too many requests",
					code: 429
				}
			}
		};
	}
	if (name === "NotFoundError" && e.type === "NOT_FOUND" && e.message === "Not found")
		return { status: 404, body: { error: { type: "NOT_FOUND", message: "No such route", code: 404 } } };
	if (name === "UnAuthorizedError")
		return {
			status: 401,
			body: {
				error: {
					type: e.type === "NO_TOKEN" ? "UNAUTHORIZED" : "INVALID_TOKEN",
					message: "A valid access token is required",
					code: 401
				}
			}
		};

	if (code >= 400 && code < 500) {
		const body: ErrorBody = { error: { type: e.type || "BAD_REQUEST", message: e.message || "Bad request", code } };
		if (e.data !== undefined && e.data !== null) body.error.data = e.data;
		return { status: code, body };
	}
	return { status: 500, body: { error: { type: "INTERNAL_ERROR", message: "Internal server error", code: 500 } } };
}
