/** The transporter option built from TRANSPORTER and TRANSPORTER_* (the NATS side runs for real in test/topology/nats-auth.test.ts). */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { transporterOptions } from "../../lib/broker/transporter";
import { transporterSettings } from "../../lib/broker/transporter-settings";

const options = (env: Record<string, string>) => transporterOptions(env.TRANSPORTER ?? null, transporterSettings(env));

describe("transporter options", () => {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), "shop-transporter-"));
	const ca = path.join(dir, "ca.pem");
	fs.writeFileSync(ca, "-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n");
	afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

	it("keeps the URL as it is without credentials or TLS, and no transporter without TRANSPORTER", () => {
		expect(options({ TRANSPORTER: "nats://nats:4222" })).toBe("nats://nats:4222");
		expect(options({ TRANSPORTER_USER: "shop" })).toBeNull();
	});

	it("gives NATS the servers with the user and password (which win over the URL's), or the token, and TLS", () => {
		expect(options({ TRANSPORTER: "nats://a:4222,nats://b:4223", TRANSPORTER_USER: "shop", TRANSPORTER_PASSWORD: "p@ss" })).toEqual({
			type: "NATS",
			options: { servers: ["a:4222", "b:4223"], user: "shop", pass: "p@ss" }
		});
		expect(options({ TRANSPORTER: "nats://old:secret@a:4222", TRANSPORTER_PASSWORD: "new" })).toEqual({
			type: "NATS",
			options: { servers: ["a:4222"], user: "old", pass: "new" }
		});
		expect(options({ TRANSPORTER: "nats://a:4222", TRANSPORTER_TOKEN: "t", TRANSPORTER_TLS_CA_FILE: ca })).toEqual({
			type: "NATS",
			options: { servers: ["a:4222"], token: "t", tls: { ca: fs.readFileSync(ca, "utf8") } }
		});
		expect(options({ TRANSPORTER: "nats://a:4222", TRANSPORTER_TLS: "true" })).toEqual({
			type: "NATS",
			options: { servers: ["a:4222"], tls: {} }
		});
	});

	it("gives Redis host, port, database, ACL user and password, and TLS for rediss://", () => {
		expect(options({ TRANSPORTER: "redis://r:6380/2", TRANSPORTER_USER: "bus", TRANSPORTER_PASSWORD: "pw" })).toEqual({
			type: "Redis",
			options: { host: "r", port: 6380, db: 2, username: "bus", password: "pw" }
		});
		expect(options({ TRANSPORTER: "rediss://r", TRANSPORTER_PASSWORD: "pw" })).toEqual({
			type: "Redis",
			options: { host: "r", port: 6379, password: "pw", tls: {} }
		});
	});

	it.each([
		[{ TRANSPORTER: "nats://a", TRANSPORTER_TOKEN: "t", TRANSPORTER_USER: "u" }, /TRANSPORTER_TOKEN.*not both/],
		[{ TRANSPORTER: "redis://r", TRANSPORTER_TOKEN: "t" }, /TRANSPORTER_TOKEN.*Redis/],
		[{ TRANSPORTER: "nats://a", TRANSPORTER_TLS: "maybe" }, /Invalid TRANSPORTER_TLS .*"maybe"/],
		[{ TRANSPORTER: "nats://a", TRANSPORTER_TLS_CERT_FILE: ca }, /TRANSPORTER_TLS_CERT_FILE.*TRANSPORTER_TLS_KEY_FILE/],
		[
			{ TRANSPORTER: "nats://a", TRANSPORTER_TLS_CA_FILE: "/nowhere/ca.pem" },
			/Invalid TRANSPORTER_TLS_CA_FILE .*\/nowhere\/ca.pem.*ENOENT/
		],
		[{ TRANSPORTER: "tcp://a", TRANSPORTER_PASSWORD: "p" }, /nats:\/\/ and redis:\/\/ only, not "tcp"/]
	])("refuses %j with an error naming the setting", (env, message) => {
		expect(() => options(env)).toThrow(message);
	});
});
