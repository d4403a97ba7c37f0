import { NOT_READABLE, NOT_TEXT, StrictValidator } from "../../lib/broker/strict-validator";

describe("strict validator", () => {
	const v = new StrictValidator();

	it("refuses unknown fields at the top level and in nested objects", () => {
		const check = v.compile({ name: "string", address: { type: "object", props: { city: "string" } } }) as (
			p: unknown
		) => true | Array<{ field: string }>;
		expect(check({ name: "a", address: { city: "b" } })).toBe(true);
		const top = check({ name: "a", address: { city: "b" }, roles: ["admin"] });
		expect(top).not.toBe(true);
		expect(JSON.stringify(top)).toContain("roles");
		const nested = check({ name: "a", address: { city: "b", $where: "1" } });
		expect(nested).not.toBe(true);
	});

	it("refuses operator objects where strings are expected", () => {
		const check = v.compile({ email: "string" }) as (p: unknown) => true | unknown[];
		expect(check({ email: { $ne: "" } })).not.toBe(true);
	});

	it("answers a value it cannot write into its message (an array holding {toString: ...}) as the field's error, not a TypeError", () => {
		const check = v.compile({
			email: "email",
			address: { type: "object", props: { lines: { type: "array", items: "string" } } }
		}) as (p: unknown) => true | Array<{ field: string; type: string }>;
		const hostile = [{ toString: "x" }, false];
		expect(check({ email: hostile, address: { lines: ["a"] } })).toEqual([
			expect.objectContaining({ type: NOT_READABLE, field: "email" })
		]);
		expect(check({ email: "a@b.co", address: { lines: [[{ valueOf: 1, toString: [] }]] } })).toEqual([
			expect.objectContaining({ type: NOT_READABLE, field: "address.lines" })
		]);
		// An object with such a member alone is written as its type, and reported as usual.
		expect(check({ email: { toString: "x" }, address: { lines: ["a"] } })).toEqual([expect.objectContaining({ field: "email" })]);
	});

	it("lets a schema opt out explicitly", () => {
		const check = v.compile({ $$strict: false, name: "string" }) as (p: unknown) => true | unknown[];
		expect(check({ name: "a", extra: 1 })).toBe(true);
	});

	it("refuses null unless the rule says nullable: optional means absent, a default does not swallow null", () => {
		const check = v.compile({
			a: { type: "string", optional: true },
			b: { type: "number", optional: true, default: 3 },
			c: { type: "string", optional: true, nullable: true },
			d: "string",
			tags: { type: "array", optional: true, items: "string" },
			address: { type: "object", optional: true, props: { city: "string|optional" } }
		}) as (p: unknown) => true | Array<{ field: string; type: string; message: string }>;
		const fieldsOf = (p: unknown) => {
			const r = check(p);
			return r === true ? [] : r.filter(e => e.type === "notNullable").map(e => e.field);
		};
		expect(check({ d: "x" })).toBe(true);
		expect(check({ d: "x", c: null })).toBe(true);
		expect(fieldsOf({ d: "x", a: null })).toEqual(["a"]);
		expect(fieldsOf({ d: "x", b: null })).toEqual(["b"]);
		expect(fieldsOf({ d: null })).toEqual(["d"]);
		expect(fieldsOf({ d: "x", tags: ["a", null] })).toHaveLength(1);
		expect(fieldsOf({ d: "x", address: { city: null } })).toEqual(["address.city"]);
		const [error] = check({ d: "x", a: null }) as Array<{ message: string }>;
		expect(error.message).toBe("The 'a' field must not be null.");
	});

	it("keeps an absent optional field absent and fills a default", () => {
		const check = v.compile({ a: { type: "string", optional: true }, b: { type: "number", optional: true, default: 3 } }) as (
			p: Record<string, unknown>
		) => true | unknown[];
		const params: Record<string, unknown> = {};
		expect(check(params)).toBe(true);
		expect(params).toEqual({ b: 3 });
	});

	// Found by test/fuzz: the embedded store cut "a\u0000b" to "a" and stored a lone surrogate as U+FFFD.
	it("refuses a string with a NUL or an unpaired surrogate in any field, nullable and nested ones too", () => {
		const check = v.compile({
			name: "string",
			note: { type: "string", optional: true, nullable: true },
			tags: { type: "array", optional: true, items: "string" },
			address: { type: "object", optional: true, props: { city: "string" } }
		}) as (p: unknown) => true | Array<{ field: string; type: string; message: string }>;
		const fieldsOf = (p: unknown) => {
			const r = check(p);
			return r === true ? [] : r.filter(e => e.type === NOT_TEXT).map(e => e.field);
		};
		expect(check({ name: "ok \u{1F6D2} \u202e\u200b", note: null, tags: ["\ud83d\udecd"] })).toBe(true);
		expect(fieldsOf({ name: "a\u0000b" })).toEqual(["name"]);
		expect(fieldsOf({ name: "x", note: "\ud800" })).toEqual(["note"]);
		expect(fieldsOf({ name: "x", tags: ["ok", "\udc00x"] })).toHaveLength(1);
		expect(fieldsOf({ name: "x", address: { city: "\u0000" } })).toEqual(["address.city"]);
		const [error] = check({ name: "\u0000" }) as Array<{ message: string }>;
		expect(error.message).toBe("The 'name' field must be text without NUL characters or unpaired surrogates.");
	});
});
