/**
 * Credentials and TLS of the Moleculer transporter (TRANSPORTER, in lib/config.ts), read from the
 * environment when a broker is created. All optional; a closed bus sets the credentials:
 *
 * - TRANSPORTER_USER, TRANSPORTER_PASSWORD: NATS user and password, or Redis ACL user and password
 *   (a Redis with only `requirepass` takes TRANSPORTER_PASSWORD alone). They win over credentials in
 *   the TRANSPORTER URL.
 * - TRANSPORTER_TOKEN: NATS token authentication (not with a user and password; not for Redis).
 * - TRANSPORTER_TLS (false): `true` requires TLS to the transporter. Implied by any of the files
 *   below and by a `rediss://` URL.
 * - TRANSPORTER_TLS_CA_FILE: PEM of the CA that signed the server's certificate (else the system's).
 * - TRANSPORTER_TLS_CERT_FILE, TRANSPORTER_TLS_KEY_FILE: PEM client certificate and key, for a server
 *   that verifies its clients (both or neither).
 */
import fs from "node:fs";
import { flagSetting, type Env } from "../env";

export interface TransporterTls {
	ca?: string;
	cert?: string;
	key?: string;
}

export interface TransporterSettings {
	user: string | null;
	password: string | null;
	token: string | null;
	/** Null: no TLS asked for (a `rediss://` URL still uses it). */
	tls: TransporterTls | null;
}

/** A PEM file's text, read now so that a missing file stops the node at start with the variable named. */
function pem(env: Env, name: string): string | undefined {
	const file = env[name];
	if (!file) return undefined;
	try {
		return fs.readFileSync(file, "utf8");
	} catch (err) {
		throw new Error(
			`Invalid ${name} in configuration: cannot read "${file}" (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`
		);
	}
}

export function transporterSettings(env: Env = process.env): TransporterSettings {
	const user = env.TRANSPORTER_USER || null;
	const password = env.TRANSPORTER_PASSWORD || null;
	const token = env.TRANSPORTER_TOKEN || null;
	if (token && (user || password))
		throw new Error(
			"Invalid TRANSPORTER_TOKEN in configuration: use either a token or TRANSPORTER_USER/TRANSPORTER_PASSWORD, not both"
		);
	const ca = pem(env, "TRANSPORTER_TLS_CA_FILE");
	const cert = pem(env, "TRANSPORTER_TLS_CERT_FILE");
	const key = pem(env, "TRANSPORTER_TLS_KEY_FILE");
	if (!cert !== !key)
		throw new Error(
			"Invalid TRANSPORTER_TLS_CERT_FILE in configuration: a client certificate needs TRANSPORTER_TLS_KEY_FILE too, and the reverse"
		);
	const tlsWanted = flagSetting(env, "TRANSPORTER_TLS") || !!(ca || cert);
	const tls = tlsWanted ? { ...(ca ? { ca } : {}), ...(cert ? { cert, key } : {}) } : null;
	return { user, password, token, tls };
}
