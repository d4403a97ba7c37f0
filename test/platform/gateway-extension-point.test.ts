/**
 * The gateway's extension point (lib/gateway/extension-point.ts) on a real HTTP server: upgrade
 * requests routed by exact path, the others destroyed while a handler is registered and handed to
 * the request handler like any request when none is; and the gateway publishes it per broker.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { localGateway, UpgradeRouter } from "../../lib/gateway/extension-point";
import { startStack, type Stack } from "../helpers/stack";

function upgradeRequest(port: number, path: string): Promise<string> {
	return new Promise(resolve => {
		const req = http.request({ port, host: "127.0.0.1", path, headers: { Connection: "Upgrade", Upgrade: "test" } });
		req.on("response", res => resolve(`status ${res.statusCode}`));
		req.on("upgrade", (_res, socket) => {
			socket.destroy();
			resolve("upgraded");
		});
		req.on("error", err => resolve(`error ${(err as NodeJS.ErrnoException).code}`));
		req.end();
	});
}

describe("UpgradeRouter", () => {
	let server: http.Server;
	let port: number;
	beforeAll(async () => {
		server = http.createServer((_req, res) => res.writeHead(404).end());
		await new Promise<void>(resolve => server.listen(0, "127.0.0.1", resolve));
		port = (server.address() as AddressInfo).port;
	});
	afterAll(() => new Promise(resolve => server.close(resolve)));

	it("hands its path's upgrades to the handler, destroys other paths', and leaves upgrades to the request handler once detached", async () => {
		const router = new UpgradeRouter(server);
		const seen: string[] = [];
		const detach = router.add("/ws", {
			upgrade(req, socket: Duplex) {
				seen.push(req.url!);
				socket.end("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: test\r\n\r\n");
			},
			close: () => seen.push("closed")
		});
		expect(server.listenerCount("upgrade")).toBe(1);
		expect(await upgradeRequest(port, "/ws?token=x")).toBe("upgraded");
		expect(await upgradeRequest(port, "/other")).toBe("error ECONNRESET");
		expect(() => router.add("/ws", { upgrade: () => undefined, close: () => undefined })).toThrow(/already have a handler/);
		router.closeAll();
		expect(seen).toEqual(["/ws?token=x", "closed"]);

		detach();
		expect(server.listenerCount("upgrade")).toBe(0);
		expect(await upgradeRequest(port, "/ws")).toBe("status 404");
	});
});

describe("the gateway's extension point", () => {
	let stack: Stack;
	let stopped = false;
	beforeAll(async () => {
		stack = await startStack({ services: ["api", "users"], env: { LOG_LEVEL: "warn" } });
	});
	afterAll(() => (stopped ? undefined : stack?.stop()));

	it("is published for the services of its broker, with the gateway's denylist of ended sessions", async () => {
		const gateway = localGateway(stack.broker);
		expect(gateway).toBeDefined();
		expect(gateway!.isSessionRevoked("s-1")).toBe(false);
		stack.broker.broadcast("user.session_revoked", { sid: "s-1", untilMs: Date.now() + 60_000 });
		await new Promise(resolve => setTimeout(resolve, 50));
		expect(gateway!.isSessionRevoked("s-1")).toBe(true);
	});

	it("is withdrawn when the gateway stops", async () => {
		stopped = true;
		await stack.stop();
		expect(localGateway(stack.broker)).toBeUndefined();
	});
});
