/**
 * The failover middleware's rules: which actions are sent again after their node died, what error
 * a call gets then and how the gateway answers it, and its settings. The behaviour with real nodes
 * killed is in test/topology/failover.test.ts.
 */
import { isIdempotent, nodeGoneError } from "../../lib/broker/failover.middleware";
import { failoverSettings } from "../../lib/broker/failover-settings";
import { brokerOptions } from "../../moleculer.config";
import { toErrorBody } from "../../lib/gateway/error-body";

describe("failover rules", () => {
	it("counts as idempotent what says so, cached actions and actions exposed only as reads", () => {
		expect(isIdempotent({ rest: "GET /inventory/:id" })).toBe(true);
		expect(isIdempotent({ rest: ["GET /a", "HEAD /a"] })).toBe(true);
		expect(isIdempotent({ cache: { keys: ["id"] } })).toBe(true);
		expect(isIdempotent({ idempotent: true })).toBe(true);
		expect(isIdempotent({ rest: "POST /orders" })).toBe(false);
		expect(isIdempotent({ rest: ["GET /a", "POST /a"] })).toBe(false);
		expect(isIdempotent({})).toBe(false);
		expect(isIdempotent({ rest: "GET /x", idempotent: false })).toBe(false);
	});

	it("turns a call whose node went away into a 503, retried only when the action is idempotent", () => {
		const retry = brokerOptions({}).retryPolicy!.check!;
		const read = nodeGoneError("inventory.get", "node-1", true);
		const write = nodeGoneError("inventory.adjust", "node-1", false);
		expect(retry(read as never)).toBe(true);
		expect(retry(write as never)).toBe(false);
		for (const err of [read, write])
			expect(toErrorBody(err)).toMatchObject({ status: 503, body: { error: { type: "SERVICE_UNAVAILABLE" } } });
	});

	it("answers 503, not 500, for a RequestRejectedError that reaches the gateway", () => {
		const err = Object.assign(new Error("Request is rejected"), { name: "RequestRejectedError", code: 503, type: "REQUEST_REJECTED" });
		expect(toErrorBody(err).status).toBe(503);
	});

	it("reads its settings from the environment and refuses nonsense", () => {
		expect(failoverSettings({})).toEqual({ probeAfterMs: 1000, pingTimeoutMs: 1000 });
		expect(failoverSettings({ FAILOVER_PROBE_AFTER_MS: "0", FAILOVER_PING_TIMEOUT_MS: "300" })).toEqual({
			probeAfterMs: 0,
			pingTimeoutMs: 300
		});
		expect(() => failoverSettings({ FAILOVER_PING_TIMEOUT_MS: "soon" })).toThrow(/FAILOVER_PING_TIMEOUT_MS/);
		expect(() => failoverSettings({ FAILOVER_PROBE_AFTER_MS: "-1" })).toThrow(/FAILOVER_PROBE_AFTER_MS/);
	});
});
