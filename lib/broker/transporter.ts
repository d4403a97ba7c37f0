/**
 * The broker's transporter option: the TRANSPORTER URL as it is, or, with credentials or TLS
 * (lib/broker/transporter-settings.ts), the NATS or Redis client options that carry them.
 */
import type { BrokerOptions } from "moleculer";
import type { TransporterSettings } from "./transporter-settings";

type Transporter = BrokerOptions["transporter"];

function decoded(part: string): string | undefined {
	return part ? decodeURIComponent(part) : undefined;
}

/** Without `undefined` values: client libraries tell "absent" from "set to undefined" in places. */
function defined<T extends object>(options: T): Partial<T> {
	return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function nats(url: string, s: TransporterSettings): Transporter {
	const urls = url.split(",").map(u => new URL(u.trim()));
	// Servers as host:port, not `url`: Moleculer replaces user and pass with the URL's (none) when given a URL.
	const withCredentials = urls.find(u => u.username);
	return {
		type: "NATS",
		options: defined({
			servers: urls.map(u => u.host),
			user: s.user ?? decoded(withCredentials?.username ?? ""),
			pass: s.password ?? decoded(withCredentials?.password ?? ""),
			token: s.token ?? undefined,
			tls: s.tls ?? undefined
		})
	} as Transporter;
}

function redis(url: string, s: TransporterSettings): Transporter {
	if (s.token)
		throw new Error(
			"Invalid TRANSPORTER_TOKEN in configuration: a Redis transporter takes TRANSPORTER_PASSWORD (and TRANSPORTER_USER)"
		);
	const u = new URL(url);
	const db = u.pathname.replace(/^\//, "");
	return {
		type: "Redis",
		options: defined({
			host: u.hostname.replace(/^\[(.*)\]$/, "$1"),
			port: Number(u.port || 6379),
			db: db ? Number(db) : undefined,
			username: s.user ?? decoded(u.username),
			password: s.password ?? decoded(u.password),
			tls: s.tls ?? (u.protocol === "rediss:" ? {} : undefined)
		})
	} as Transporter;
}

export function transporterOptions(url: string | null, settings: TransporterSettings): Transporter {
	if (!url) return null;
	const secured = settings.user || settings.password || settings.token || settings.tls;
	// A URL string is what Moleculer takes without options (its types list only the transporter names).
	if (!secured) return url as Transporter;
	if (/^nats:\/\//i.test(url)) return nats(url, settings);
	if (/^rediss?:\/\//i.test(url)) return redis(url, settings);
	throw new Error(
		`Invalid TRANSPORTER in configuration: credentials and TLS (TRANSPORTER_USER, _PASSWORD, _TOKEN, _TLS*) apply to nats:// and redis:// only, not "${url.split(":")[0]}"`
	);
}
