/**
 * WebSocket connection caps through the real gateway: per client address (TRUST_PROXY=1, addresses
 * in X-Forwarded-For) and per signed-in user; a socket beyond a cap is closed with 1008 and a reason
 * naming it, and a socket that closes (or is closed for not authenticating) frees its place.
 */
import { randomUUID } from "node:crypto";
import { client } from "../helpers/http";
import { startStack, type Stack } from "../helpers/stack";
import { connect, wsUrl, type TestSocket } from "./ws-client";

jest.setTimeout(60_000);

const PER_ADDRESS = 3;
const PER_USER = 2;

describe("WebSocket caps per address and per user", () => {
	let stack: Stack;
	const sockets: TestSocket[] = [];
	const run = randomUUID().slice(0, 8);

	const open = (ip: string, query = "") => {
		const s = connect(wsUrl(stack.baseUrl, query), { headers: { "x-forwarded-for": ip } });
		sockets.push(s);
		return s;
	};
	/** Opens and signs in (with the first message); resolves once the server said ready. */
	const signedIn = async (ip: string, token: string) => {
		const s = open(ip);
		await s.opened;
		s.send({ type: "auth", token });
		await s.next(m => m.type === "ready", 5000);
		return s;
	};
	const hub = () => (stack.broker.getLocalService("realtime") as unknown as { hub: { connectionsFrom(a: string): number } }).hub;
	async function until(check: () => boolean) {
		for (let i = 0; i < 200 && !check(); i++) await new Promise(r => setTimeout(r, 10));
		expect(check()).toBe(true);
	}
	async function token(name: string): Promise<string> {
		const r = await client(stack.baseUrl).post("/api/v1/auth/register", {
			email: `${name}-${run}@example.com`,
			password: "Secret-pass-1",
			name
		});
		expect(r.status).toBe(201);
		return r.body.accessToken;
	}

	beforeAll(async () => {
		stack = await startStack({
			services: ["api", "users", "realtime"],
			env: {
				TRUST_PROXY: "1",
				WS_MAX_PER_ADDRESS: String(PER_ADDRESS),
				WS_MAX_PER_USER: String(PER_USER),
				REALTIME_AUTH_TIMEOUT_MS: "600"
			}
		});
	});
	afterAll(async () => {
		for (const s of sockets) s.close();
		await stack?.stop();
	});

	it("closes the socket beyond WS_MAX_PER_ADDRESS with 1008, counts other addresses apart, and frees a place on close", async () => {
		// One user per socket, so that only the address cap is in play.
		const tokens = await Promise.all(Array.from({ length: PER_ADDRESS + 1 }, (_, i) => token(`addr${i}`)));
		const ip = "203.0.113.5";
		const first = await Promise.all(tokens.slice(0, PER_ADDRESS).map(t => signedIn(ip, t)));
		expect(hub().connectionsFrom(ip)).toBe(PER_ADDRESS);

		const extra = open(ip);
		expect(await extra.closed).toEqual({ code: 1008, reason: "too many connections from this address" });
		expect(hub().connectionsFrom(ip)).toBe(PER_ADDRESS);
		await signedIn("203.0.113.6", tokens[PER_ADDRESS]); // another address is not affected

		first[0].close();
		await until(() => hub().connectionsFrom(ip) === PER_ADDRESS - 1);
		const again = await signedIn(ip, tokens[0]);
		expect(again.ws.readyState).toBe(again.ws.OPEN);
	});

	it("counts an IPv6 /64 as one address", async () => {
		const tokens = await Promise.all(Array.from({ length: PER_ADDRESS }, (_, i) => token(`six${i}`)));
		await Promise.all(tokens.map((t, i) => signedIn(`2001:db8:1:2::${i + 1}`, t)));
		expect(hub().connectionsFrom("2001:db8:1:2::/64")).toBe(PER_ADDRESS);
		const extra = open("2001:db8:1:2:ffff::9");
		expect(await extra.closed).toEqual({ code: 1008, reason: "too many connections from this address" });
	});

	it("frees the places of sockets closed for not authenticating in time", async () => {
		const ip = "203.0.113.7";
		const silent = Array.from({ length: PER_ADDRESS }, () => open(ip));
		for (const s of silent) expect((await s.closed).code).toBe(4401);
		expect(hub().connectionsFrom(ip)).toBe(0);
		const next = open(ip);
		await next.opened;
		expect((await next.closed).code).toBe(4401); // closed for silence again, not for the cap
	});

	it("closes the socket beyond WS_MAX_PER_USER with 1008, whether it signs in by query or by message", async () => {
		const t = await token("user");
		const mine = [await signedIn("198.51.100.1", t), await signedIn("198.51.100.2", t)];

		const byQuery = open("198.51.100.3", `?token=${t}`);
		expect(await byQuery.closed).toEqual({ code: 1008, reason: "too many connections for this user" });
		const byMessage = open("198.51.100.4");
		await byMessage.opened;
		byMessage.send({ type: "auth", token: t });
		expect(await byMessage.closed).toEqual({ code: 1008, reason: "too many connections for this user" });
		// Another user is not affected, and the refused sockets left their addresses' counts.
		await signedIn("198.51.100.3", await token("other"));
		expect(hub().connectionsFrom("198.51.100.4")).toBe(0);

		// A fresh token on a counted socket keeps its place.
		mine[0].send({ type: "auth", token: t });
		await new Promise(r => setTimeout(r, 100));
		expect(mine[0].ws.readyState).toBe(mine[0].ws.OPEN);

		mine[1].close();
		await until(() => hub().connectionsFrom("198.51.100.2") === 0);
		const again = open("198.51.100.5", `?token=${t}`);
		await again.next(m => m.type === "ready", 5000);
	});
});
