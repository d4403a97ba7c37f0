/**
 * Cache keys for the products actions: a hash of all the call's parameters in a canonical JSON
 * form. Moleculer's default key joins values with "|", so crafted strings could produce the key of
 * another query and poison its cache entry; JSON is unambiguous. Keying on every parameter (not a
 * list) also means a request the validator refuses can never be answered from the cache.
 */
import { createHash } from "node:crypto";
import type { ActionSchema, Context } from "moleculer";

function canonical(value: unknown): unknown {
	if (Array.isArray(value)) return value.map(canonical);
	if (value && typeof value === "object") {
		return Object.fromEntries(
			Object.keys(value)
				.sort()
				.map(k => [k, canonical((value as Record<string, unknown>)[k])])
		);
	}
	return value;
}

export function paramsCacheKey(action: ActionSchema, _opts: unknown, ctx: Context): string {
	const json = JSON.stringify(canonical(ctx.params ?? {}));
	return `${action.name}:${createHash("sha256").update(json).digest("base64url")}`;
}
