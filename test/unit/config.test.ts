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

	it("holds deliveries in the relay lane by default, not when RabbitMQ carries the flow, unless told", () => {
		expect(loadConfig({}).outboxRelayTurnMs).toBe(1);
		expect(loadConfig({ AMQP_URL: "amqp://mq" }).outboxRelayTurnMs).toBe(0);
		expect(loadConfig({ AMQP_URL: "amqp://mq", OUTBOX_RELAY_TURN_MS: "2" }).outboxRelayTurnMs).toBe(2);
		expect(loadConfig({}).outboxRelayLagMs).toBe(500);
		expect(() => loadConfig({ OUTBOX_RELAY_TURN_MS: "-1" })).toThrow(/OUTBOX_RELAY_TURN_MS/);
		expect(() => loadConfig({ OUTBOX_RELAY_LAG_MS: "0" })).toThrow(/OUTBOX_RELAY_LAG_MS/);
	});

	it("masks passwords in URIs", () => {
		expect(maskUri("postgres://shop:p%40ss@db:5432/shop")).toBe("postgres://shop:***@db:5432/shop");
		expect(maskUri("mongodb://db:27017/x")).toBe("mongodb://db:27017/x");
	});
});
