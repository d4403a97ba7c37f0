/**
 * The gateway's extension point: what another service of the same process may attach to the
 * gateway without reaching into its internals. The gateway publishes one per broker when it is
 * created (mixins/gateway/extension-point.mixin.ts), so it is there whichever service starts first;
 * a service finds it with `localGateway(broker)` (undefined on a node without the gateway).
 *
 * Today it offers what realtime needs: the HTTP upgrade requests of one path (its WebSocket at /ws,
 * moleculer-web 0.11 never sees upgrades) and the gateway's knowledge of ended sessions.
 */
import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import type { ServiceBroker } from "moleculer";

export interface UpgradeHandler {
	/** An upgrade request for the handler's path: the socket is its to accept, refuse or destroy. */
	upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
	/** The gateway is closing its server: close every upgraded connection (each would hold the close open). */
	close(): void;
}

export interface GatewayExtensionPoint {
	/** Sends the upgrade requests for `path` (exact pathname) to `handler`, until the returned function is called. */
	handleUpgrades(path: string, handler: UpgradeHandler): () => void;
	/** True when the gateway knows the session was ended (logout, password change, token reuse). */
	isSessionRevoked(sid: string): boolean;
}

const published = new WeakMap<ServiceBroker, GatewayExtensionPoint>();

export function publishGateway(broker: ServiceBroker, point: GatewayExtensionPoint): void {
	published.set(broker, point);
}

/** Withdraws `point` if it is still the one published (a hot-reloaded gateway publishes its own). */
export function withdrawGateway(broker: ServiceBroker, point: GatewayExtensionPoint): void {
	if (published.get(broker) === point) published.delete(broker);
}

/** The extension point of the gateway running in this process on `broker`, if any. */
export function localGateway(broker: ServiceBroker): GatewayExtensionPoint | undefined {
	return published.get(broker);
}

/**
 * Routes a server's upgrade requests by path. It listens to `upgrade` only while a handler is
 * registered: without one, Node hands an upgrade request to the request handler like any other
 * (the API answers it). An upgrade for a path nobody takes is destroyed rather than left hanging.
 */
export class UpgradeRouter {
	private readonly handlers = new Map<string, UpgradeHandler>();
	private readonly listener = (req: IncomingMessage, socket: Duplex, head: Buffer) => this.route(req, socket, head);

	constructor(private readonly server: Server) {}

	add(path: string, handler: UpgradeHandler): () => void {
		if (this.handlers.has(path)) throw new Error(`Upgrades on ${path} already have a handler`);
		this.handlers.set(path, handler);
		if (this.handlers.size === 1) this.server.on("upgrade", this.listener);
		return () => {
			if (this.handlers.get(path) !== handler) return;
			this.handlers.delete(path);
			if (this.handlers.size === 0) this.server.off("upgrade", this.listener);
		};
	}

	/** Asks every handler to close its connections (before the server closes). */
	closeAll(): void {
		for (const handler of [...this.handlers.values()]) handler.close();
	}

	private route(req: IncomingMessage, socket: Duplex, head: Buffer): void {
		const handler = this.handlers.get(new URL(req.url ?? "/", "http://localhost").pathname);
		if (handler) handler.upgrade(req, socket, head);
		else socket.destroy();
	}
}
