import { loadConfig, parseDuration, serviceDbUri } from "../../lib/config";
import { maskUri } from "../../lib/mask-uri";

describe("configuration", () => {
	it("picks a service's own database URI before DB_URI", () => {
		expect(serviceDbUri("products", { PRODUCTS_DB_URI: "mongodb://m/p", DB_URI: "postgres://p/x" })).toBe("mongodb://m/p");
		expect(serviceDbUri("users", { PRODUCTS_DB_URI: "mongodb://m/p", DB_URI: "postgres://p/x" })).toBe("postgres://p/x");
		expect(serviceDbUri("users", {})).toBeNull();
	});

	it("parses durations and refuses garbage", () => {
		expect(parseDuration("15m", 1)).toBe(900);
		expect(parseDuration("7d", 1)).toBe(604800);
		expect(parseDuration(undefined, 42)).toBe(42);
		expect(() => parseDuration("soon", 1)).toThrow(/Invalid duration/);
		expect(() => loadConfig({ PORT: "eighty" })).toThrow(/Invalid number/);
	});

	it("masks passwords in URIs", () => {
		expect(maskUri("postgres://shop:p%40ss@db:5432/shop")).toBe("postgres://shop:***@db:5432/shop");
		expect(maskUri("mongodb://db:27017/x")).toBe("mongodb://db:27017/x");
	});
});
