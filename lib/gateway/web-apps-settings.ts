/**
 * Settings of the web apps the gateway serves (lib/gateway/web-apps.ts), read from the environment:
 * WEB_DEV (false): serve web/<app> through Vite's dev server (hot reload) instead of the built
 * dist/web/<app>; `npm run dev` sets it. Needs the dev dependencies (Vite).
 */
import type { Env } from "../config";

export function webAppsSettings(env: Env = process.env) {
	const dev = env.WEB_DEV;
	if (dev !== undefined && dev !== "" && !["true", "false", "1", "0"].includes(dev))
		throw new Error(`Invalid WEB_DEV in configuration: "${dev}" (true or false)`);
	return { dev: dev === "true" || dev === "1" };
}

export type WebAppsSettings = ReturnType<typeof webAppsSettings>;
