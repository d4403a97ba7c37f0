/**
 * Publishes the gateway's extension point (lib/gateway/extension-point.ts) for the services of this
 * process: upgrade requests routed by path on the gateway's server, and its denylist of ended
 * sessions. The gateway's drain asks the upgraded connections' owners to close them first.
 * From the rest of the gateway: `server` (moleculer-web), `denylist` (authentication.mixin.ts).
 */
import type { Server } from "node:http";
import { publishGateway, UpgradeRouter, withdrawGateway, type GatewayExtensionPoint } from "../../lib/gateway/extension-point";
import type { SessionDenylist } from "../../lib/gateway/session-denylist";
import type { GatewayMixin } from "./http";

export const ExtensionPointMixin: GatewayMixin = {
	created() {
		// moleculer-web created the server in its own created(), which runs before this one.
		const upgrades = new UpgradeRouter(this.server as Server);
		this.upgrades = upgrades;
		this.extensionPoint = {
			handleUpgrades: (path, handler) => upgrades.add(path, handler),
			isSessionRevoked: sid => (this.denylist as SessionDenylist).has(sid)
		} satisfies GatewayExtensionPoint;
		publishGateway(this.broker, this.extensionPoint);
	},

	methods: {
		/** Closes what the extensions hold open on the server (upgraded connections). */
		closeExtensions() {
			(this.upgrades as UpgradeRouter).closeAll();
		}
	},

	stopped() {
		withdrawGateway(this.broker, this.extensionPoint);
	}
};
