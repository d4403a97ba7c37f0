/**
 * The WebSocket endpoint on the gateway's HTTP server: the `ws` package in `noServer` mode, fed by
 * the upgrade requests of one path through the gateway's extension point
 * (lib/gateway/extension-point.ts; moleculer-web 0.11 never sees upgrades).
 *
 * Authentication with the access token, either in the query (`/ws?token=...`: a bad token refuses
 * the upgrade with 401) or as the first message `{"type":"auth","token":"..."}` within the auth
 * timeout (a bad or missing one closes the socket with 4401). The socket is closed with 4401 when
 * its token expires or its session is ended (logout, password change); a client re-authenticates on
 * the open socket by sending a fresh token for the same user.
 *
 * Server messages: `{type:"ready", user:{id, roles}}`, `{type:"event", event, id, time, subject, data}`,
 * `{type:"pong"}` (answer to `{type:"ping"}`), `{type:"error", message}`. Heartbeat: a ping every
 * interval; a socket that did not answer the previous one is terminated.
 *
 * Caps (per gateway node): at most `maxPerAddress` open sockets per client address and `maxPerUser`
 * per signed-in user; a socket beyond one is closed with 1008 (policy violation) and a reason naming
 * the cap. A socket counts from its opening (address) and its authentication (user) until it closes.
 */
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocket, WebSocketServer, type RawData } from "ws";
import type { GatewayExtensionPoint } from "../gateway/extension-point";
import { clientIp } from "../gateway/rate-limit";
import { verifyAccessToken } from "../jwt";
import { throttleAddress } from "../client-address";
import type { Audience } from "./audience";
import type { RealtimeSettings } from "./settings";

/** Close codes: 4401 = authentication missing, invalid, expired or revoked (as HTTP 401). */
export const CLOSE_UNAUTHORIZED = 4401;
/** Close code of a socket beyond a connection cap (RFC 6455: policy violation). */
export const CLOSE_POLICY = 1008;
export const PER_ADDRESS_CAP_REASON = "too many connections from this address";
export const PER_USER_CAP_REASON = "too many connections for this user";

export interface RealtimeUser {
	id: string;
	roles: string[];
	sid: string;
	/** Token expiry, seconds since the epoch. */
	exp: number;
}

interface Client {
	ws: WebSocket;
	/** The client address it counts against (the gateway's rate-limit address). */
	address: string;
	user: RealtimeUser | null;
	alive: boolean;
	authTimer?: NodeJS.Timeout;
	expiryTimer?: NodeJS.Timeout;
}

interface Log {
	info(...args: unknown[]): void;
	warn(...args: unknown[]): void;
	debug(...args: unknown[]): void;
}

export interface HubOptions {
	settings: RealtimeSettings;
	secret: string;
	/** True for a session ended before its tokens expire (the gateway's denylist). */
	isRevoked(sid: string): boolean;
	logger: Log;
}

export interface OutgoingEvent {
	event: string;
	id: string;
	time: string;
	subject: string;
	data: unknown;
}

const MAX_TIMER_MS = 2 ** 31 - 1;

export class RealtimeHub {
	private readonly wss: WebSocketServer;
	private readonly clients = new Set<Client>();
	/** Authenticated sockets by user id, and the admins' sockets: a push reaches its audience without a scan. */
	private readonly byUser = new Map<string, Set<Client>>();
	private readonly admins = new Set<Client>();
	/** Open sockets per client address. */
	private readonly byAddress = new Map<string, number>();
	private heartbeat?: NodeJS.Timeout;
	private detach?: () => void;

	constructor(private readonly opts: HubOptions) {
		this.wss = new WebSocketServer({ noServer: true, clientTracking: false, maxPayload: opts.settings.maxMessageBytes });
	}

	attach(gateway: GatewayExtensionPoint): void {
		// The gateway drains on shutdown with server.close(), which waits for every connection, and
		// upgraded sockets count while closeAllConnections() does not reach them: the gateway asks
		// this hub to close them first (`close`), whichever service stops first.
		this.detach = gateway.handleUpgrades(this.opts.settings.path, {
			upgrade: (req, socket, head) => this.upgrade(req, socket, head),
			close: () => this.close()
		});
		this.heartbeat = setInterval(() => this.beat(), this.opts.settings.pingIntervalMs);
		this.heartbeat.unref();
	}

	/** Stops accepting upgrades and closes every socket (1001: going away). */
	close(): void {
		this.detach?.();
		this.detach = undefined;
		if (this.heartbeat) clearInterval(this.heartbeat);
		for (const c of this.clients) this.drop(c, 1001, "server shutting down");
		this.wss.close();
	}

	get size(): number {
		return this.clients.size;
	}

	hasAuthenticated(): boolean {
		return this.byUser.size > 0;
	}

	hasAdmins(): boolean {
		return this.admins.size > 0;
	}

	hasCustomers(): boolean {
		for (const sockets of this.byUser.values()) for (const c of sockets) if (!this.admins.has(c)) return true;
		return false;
	}

	/** Sends the event to its audience among this node's sockets; answers how many received it. */
	push(audience: Audience, message: OutgoingEvent): number {
		const targets = new Set<Client>(audience.admins ? this.admins : []);
		if (audience.userId) for (const c of this.byUser.get(audience.userId) ?? []) targets.add(c);
		let text: string | null = null;
		let sent = 0;
		for (const c of targets) {
			const u = c.user!;
			if (c.ws.readyState !== WebSocket.OPEN) continue;
			if (c.ws.bufferedAmount > this.opts.settings.maxBufferedBytes) {
				this.opts.logger.warn(`Dropping a realtime client of user ${u.id}: it does not keep up`);
				c.ws.terminate();
				continue;
			}
			text ??= JSON.stringify({ type: "event", ...message });
			c.ws.send(text);
			sent++;
		}
		return sent;
	}

	/** Closes the sockets of a session that was ended (logout, password change, token reuse). */
	endSession(sid: string): void {
		for (const c of this.clients) if (c.user?.sid === sid) this.drop(c, CLOSE_UNAUTHORIZED, "session ended");
	}

	private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
		const url = new URL(req.url ?? "/", "http://localhost");
		const token = url.searchParams.get("token");
		let user: RealtimeUser | null = null;
		if (token !== null) {
			user = this.verify(token);
			if (!user) return refuse(socket, 401, "The access token is invalid, expired or revoked");
		}
		// Counted like the login throttle counts addresses: IPv6 by /64, so one host cannot spread over its network.
		const address = throttleAddress(clientIp(req, this.opts.settings.trustProxyHops));
		this.wss.handleUpgrade(req, socket, head, ws => this.connected(ws, user, address));
	}

	private verify(token: string): RealtimeUser | null {
		const claims = verifyAccessToken(token, this.opts.secret);
		if (!claims || this.opts.isRevoked(claims.sid)) return null;
		return { id: claims.sub, roles: claims.roles, sid: claims.sid, exp: claims.exp };
	}

	private connected(ws: WebSocket, user: RealtimeUser | null, address: string): void {
		const { maxPerAddress } = this.opts.settings;
		if (maxPerAddress > 0 && (this.byAddress.get(address) ?? 0) >= maxPerAddress) return closeBeyondCap(ws, PER_ADDRESS_CAP_REASON);
		if (user && this.userAtCap(user.id)) return closeBeyondCap(ws, PER_USER_CAP_REASON);
		const client: Client = { ws, address, user: null, alive: true };
		this.clients.add(client);
		this.byAddress.set(address, (this.byAddress.get(address) ?? 0) + 1);
		ws.on("pong", () => (client.alive = true));
		ws.on("message", (raw, isBinary) => this.message(client, raw, isBinary));
		ws.on("close", () => this.forget(client));
		ws.on("error", err => {
			this.opts.logger.debug("Realtime socket error:", err.message);
			this.forget(client);
		});
		if (user) return this.authenticated(client, user);
		client.authTimer = setTimeout(
			() => this.drop(client, CLOSE_UNAUTHORIZED, "authentication required"),
			this.opts.settings.authTimeoutMs
		);
	}

	/** True when this user already has as many sockets here as allowed. */
	private userAtCap(userId: string): boolean {
		const { maxPerUser } = this.opts.settings;
		return maxPerUser > 0 && (this.byUser.get(userId)?.size ?? 0) >= maxPerUser;
	}

	private authenticated(client: Client, user: RealtimeUser): void {
		// A fresh token on a counted socket keeps its place; a socket signing in now needs a free one.
		if (!client.user && this.userAtCap(user.id)) return this.drop(client, CLOSE_POLICY, PER_USER_CAP_REASON);
		clearTimeout(client.authTimer);
		clearTimeout(client.expiryTimer);
		this.unindex(client);
		client.user = user;
		if (!this.byUser.has(user.id)) this.byUser.set(user.id, new Set());
		this.byUser.get(user.id)!.add(client);
		if (isAdminUser(user)) this.admins.add(client);
		client.expiryTimer = setTimeout(
			() => this.drop(client, CLOSE_UNAUTHORIZED, "token expired"),
			Math.min(MAX_TIMER_MS, Math.max(0, user.exp * 1000 - Date.now()))
		);
		this.sendTo(client, { type: "ready", user: { id: user.id, roles: user.roles } });
	}

	private message(client: Client, raw: RawData, isBinary: boolean): void {
		let msg: { type?: unknown; token?: unknown } | null = null;
		try {
			msg = isBinary ? null : JSON.parse(raw.toString());
		} catch {
			msg = null;
		}
		if (msg?.type === "auth") {
			const user = typeof msg.token === "string" ? this.verify(msg.token) : null;
			// A fresh token on an open socket must be the same user's.
			if (!user || (client.user && client.user.id !== user.id))
				return this.drop(client, CLOSE_UNAUTHORIZED, "invalid, expired or revoked token");
			return this.authenticated(client, user);
		}
		if (!client.user) return this.drop(client, CLOSE_UNAUTHORIZED, "authenticate first");
		if (msg?.type === "ping") return this.sendTo(client, { type: "pong" });
		this.sendTo(client, { type: "error", message: 'Unknown message; send {"type":"ping"} or {"type":"auth","token":"..."}' });
	}

	private sendTo(client: Client, message: unknown): void {
		if (client.ws.readyState === WebSocket.OPEN) client.ws.send(JSON.stringify(message));
	}

	private beat(): void {
		for (const c of this.clients) {
			if (!c.alive) {
				this.opts.logger.debug(`Realtime client${c.user ? ` of user ${c.user.id}` : ""} missed a heartbeat; dropped`);
				c.ws.terminate();
				this.forget(c);
				continue;
			}
			c.alive = false;
			try {
				c.ws.ping();
			} catch {
				this.forget(c);
			}
		}
	}

	private drop(client: Client, code: number, reason: string): void {
		this.forget(client);
		if (client.ws.readyState === WebSocket.OPEN || client.ws.readyState === WebSocket.CONNECTING) client.ws.close(code, reason);
		// A peer that never answers the close handshake is cut off.
		setTimeout(() => client.ws.terminate(), 2000).unref();
	}

	private unindex(client: Client): void {
		const u = client.user;
		if (!u) return;
		const sockets = this.byUser.get(u.id);
		sockets?.delete(client);
		if (sockets && !sockets.size) this.byUser.delete(u.id);
		this.admins.delete(client);
	}

	/** Idempotent: a socket may be forgotten on close, on error and when dropped. */
	private forget(client: Client): void {
		clearTimeout(client.authTimer);
		clearTimeout(client.expiryTimer);
		this.unindex(client);
		if (!this.clients.delete(client)) return;
		const left = (this.byAddress.get(client.address) ?? 1) - 1;
		if (left > 0) this.byAddress.set(client.address, left);
		else this.byAddress.delete(client.address);
	}

	/** Open sockets of one client address here (for tests and diagnostics). */
	connectionsFrom(address: string): number {
		return this.byAddress.get(address) ?? 0;
	}
}

/** Closes a socket that was never counted (over a cap); one that does not answer the close is cut off. */
function closeBeyondCap(ws: WebSocket, reason: string): void {
	ws.on("error", () => undefined);
	ws.close(CLOSE_POLICY, reason);
	setTimeout(() => ws.terminate(), 2000).unref();
}

function isAdminUser(u: RealtimeUser): boolean {
	return u.roles.includes("admin");
}

/** Answers an upgrade request with a plain HTTP error (the handshake never happens). */
function refuse(socket: Duplex, status: 401 | 403, message: string): void {
	const body = JSON.stringify({ error: { type: "UNAUTHORIZED", message, code: status } });
	socket.end(
		`HTTP/1.1 ${status} ${status === 401 ? "Unauthorized" : "Forbidden"}\r\n` +
			"Connection: close\r\n" +
			"Content-Type: application/json; charset=utf-8\r\n" +
			`Content-Length: ${Buffer.byteLength(body)}\r\n` +
			'WWW-Authenticate: Bearer realm="api"\r\n\r\n' +
			body
	);
}
