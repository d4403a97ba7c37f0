import { StrictValidator } from "../../lib/broker/strict-validator";

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

	it("lets a schema opt out explicitly", () => {
		const check = v.compile({ $$strict: false, name: "string" }) as (p: unknown) => true | unknown[];
		expect(check({ name: "a", extra: 1 })).toBe(true);
	});
});
