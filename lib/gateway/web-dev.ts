/**
 * `npm run dev` (WEB_DEV=true): the web apps straight from web/<app> through Vite's dev server in
 * middleware mode, on the gateway's own port, so the apps talk to the real API and /ws with no proxy
 * and every edit shows at once (hot module replacement). Each app's HMR socket listens on a port of
 * its own (24678, 24679, ...): upgrades on the gateway's port belong to the realtime service's /ws.
 * Vite is a dev dependency: it is loaded only here, and only on the first request.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import path from "node:path";

type Next = (err?: unknown) => void;

interface DevServer {
	middlewares: (req: IncomingMessage, res: ServerResponse, next: Next) => void;
	close(): Promise<void>;
}

const FIRST_HMR_PORT = 24678;
/** Vite ships ES modules with types for "bundler" resolution only; the little used here is typed by hand. */
const VITE = "vite";

export class WebDevServers {
	private readonly servers = new Map<string, Promise<DevServer>>();

	constructor(private readonly webDir: string) {}

	/** Lets the app's dev server answer; `notFound` runs when it has nothing for the path. */
	handle(app: string, base: string, req: IncomingMessage, res: ServerResponse, notFound: () => void): void {
		let server = this.servers.get(app);
		if (!server) {
			server = this.create(app, base, FIRST_HMR_PORT + this.servers.size);
			this.servers.set(app, server);
		}
		server.then(
			s =>
				s.middlewares(req, res, err => {
					if (!err) return notFound();
					res.statusCode = 500;
					res.setHeader("Content-Type", "text/plain; charset=utf-8");
					res.end(`Vite could not serve ${req.url}: ${(err as Error).message ?? err}`);
				}),
			(err: Error) => {
				res.statusCode = 500;
				res.setHeader("Content-Type", "text/plain; charset=utf-8");
				res.end(`The dev server of ${app} did not start (WEB_DEV needs the dev dependencies): ${err.message}`);
			}
		);
	}

	async close(): Promise<void> {
		const servers = [...this.servers.values()];
		this.servers.clear();
		await Promise.all(servers.map(p => p.then(s => s.close()).catch(() => undefined)));
	}

	private async create(app: string, base: string, hmrPort: number): Promise<DevServer> {
		const { createServer } = (await import(VITE)) as { createServer(config: Record<string, unknown>): Promise<DevServer> };
		const root = path.join(this.webDir, app);
		return createServer({
			configFile: path.join(root, "vite.config.ts"),
			root,
			base,
			appType: "spa",
			// Vite's pre-bundled dependencies next to the others, not in a web/node_modules of their own.
			cacheDir: path.join(this.webDir, "..", "node_modules", ".vite", app),
			server: { middlewareMode: true, hmr: { port: hmrPort } }
		});
	}
}
