import { fromMinor, hasCentPrecision, toMinor } from "../../lib/money";

describe("money", () => {
	it("converts decimals to cents without floating-point drift", () => {
		expect(toMinor(19.99)).toBe(1999);
		expect(toMinor(0.1)).toBe(10);
		expect(toMinor(1.005)).toBe(101);
		expect(toMinor(4.35)).toBe(435);
		expect(fromMinor(1999 * 3)).toBe(59.97);
		expect(fromMinor(toMinor(0.1) + toMinor(0.2))).toBe(0.3);
	});

	it("knows which amounts fit in cents", () => {
		expect(hasCentPrecision(19.99)).toBe(true);
		expect(hasCentPrecision(0.3)).toBe(true);
		expect(hasCentPrecision(1.234)).toBe(false);
	});
});
