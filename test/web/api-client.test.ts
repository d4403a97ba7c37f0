/**
 * The web apps' API client (web/shared/api.ts) against the real gateway and users service: the
 * refresh token kept in storage, the access token in memory only, one silent refresh on a 401 (also
 * for concurrent requests), a refused refresh signing out, and the gateway's error bodies.
 */
import { ApiError, createApi, type KeyValueStore } from "../../web/shared/api";
import { startStack, type Stack } from "../helpers/stack";

jest.setTimeout(60_000);

function memoryStorage(): KeyValueStore & { map: Map<string, string> } {
	const map = new Map<string, string>();
	return { map, getItem: k => map.get(k) ?? null, setItem: (k, v) => void map.set(k, v), removeItem: k => void map.delete(k) };
}

describe("web API client (real gateway)", () => {
	let stack: Stack;
	const refreshCalls: string[] = [];
	const countingFetch: typeof fetch = (input, init) => {
		if (String(input).endsWith("/auth/refresh")) refreshCalls.push(String(init?.body));
		return fetch(input, init);
	};
	const newApi = (storage = memoryStorage()) =>
		createApi({ base: `${stack.baseUrl}/api/v1`, storageKey: "test.session", storage, fetch: countingFetch });

	beforeAll(async () => {
		stack = await startStack({ services: ["api", "users"] });
	});
	afterAll(() => stack?.stop());
	beforeEach(() => (refreshCalls.length = 0));

	it("keeps the refresh token and user in storage, never the access token", async () => {
		const storage = memoryStorage();
		const api = newApi(storage);
		const user = await api.register({ email: `keep-${Date.now()}@web.test`, password: "Secret-pass-1", name: "Keep" });
		const stored = JSON.parse(storage.map.get("test.session")!);
		expect(stored).toEqual({ user, refreshToken: expect.any(String) });
		expect(JSON.stringify(stored)).not.toContain(api.session()!.accessToken!);
		expect((await api.get<{ email: string }>("/users/me")).email).toBe(user.email);
	});

	it("after a reload (no access token in memory) refreshes once, then serves concurrent requests", async () => {
		const storage = memoryStorage();
		await newApi(storage).register({ email: `reload-${Date.now()}@web.test`, password: "Secret-pass-1", name: "Reload" });
		const reloaded = newApi(storage);
		expect(reloaded.session()?.accessToken).toBeNull();
		const answers = await Promise.all([reloaded.get("/users/me"), reloaded.get("/users/me/addresses"), reloaded.get("/users/me")]);
		expect(answers).toHaveLength(3);
		expect(refreshCalls).toHaveLength(1);
		// The rotated refresh token replaced the spent one in storage.
		expect(JSON.parse(storage.map.get("test.session")!).refreshToken).toBe(reloaded.session()!.refreshToken);
	});

	it("answers a refused access token with one refresh and one retry", async () => {
		const storage = memoryStorage();
		const api = newApi(storage);
		await api.register({ email: `retry-${Date.now()}@web.test`, password: "Secret-pass-1", name: "Retry" });
		// Another tab rotated the pair: this tab's access token is still valid, so make it refused instead.
		const session = api.session()!;
		session.accessToken = "not.a.valid-token";
		const me = await api.get<{ name: string }>("/users/me");
		expect(me.name).toBe("Retry");
		expect(refreshCalls).toHaveLength(1);
	});

	it("signs out when the refresh token is refused (the session was ended elsewhere)", async () => {
		const storage = memoryStorage();
		const api = newApi(storage);
		await api.register({ email: `ended-${Date.now()}@web.test`, password: "Secret-pass-1", name: "Ended" });
		const signedOut: unknown[] = [];
		api.onSession(s => s === null && signedOut.push(s));
		// Spend the refresh token elsewhere, and its successor too: presenting it again is then a
		// replay (no reuse grace once the next token was used), which ends the whole session family.
		const refreshElsewhere = async (refreshToken: string) =>
			(await (
				await countingFetch(`${stack.baseUrl}/api/v1/auth/refresh`, {
					method: "POST",
					headers: { "content-type": "application/json" },
					body: JSON.stringify({ refreshToken })
				})
			).json()) as { refreshToken: string };
		const next = await refreshElsewhere(api.session()!.refreshToken);
		await refreshElsewhere(next.refreshToken);
		api.session()!.accessToken = null;
		await expect(api.get("/users/me")).rejects.toMatchObject({ status: 401 });
		expect(api.session()).toBeNull();
		expect(storage.map.has("test.session")).toBe(false);
		expect(signedOut).toHaveLength(1);
	});

	it("turns the gateway's error body into an ApiError naming the fields", async () => {
		const api = newApi();
		const err: ApiError = await api.register({ email: "not-an-email", password: "short", name: "" }).catch(e => e);
		expect(err).toBeInstanceOf(ApiError);
		expect(err.status).toBe(422);
		expect(err.type).toBe("VALIDATION_ERROR");
		expect(Object.keys(err.fields()).sort()).toEqual(expect.arrayContaining(["email"]));
	});

	it("reports an unreachable server as a network error, not a crash", async () => {
		const api = createApi({ base: "http://127.0.0.1:9/api/v1", storageKey: "x", storage: memoryStorage() });
		await expect(api.get("/products")).rejects.toMatchObject({ status: 0, type: "NETWORK_ERROR" });
	});

	it("logs out this device: the server ends the session, the refresh token no longer works", async () => {
		const storage = memoryStorage();
		const api = newApi(storage);
		await api.register({ email: `out-${Date.now()}@web.test`, password: "Secret-pass-1", name: "Out" });
		const refreshToken = api.session()!.refreshToken;
		await api.logout();
		expect(api.session()).toBeNull();
		const r = await fetch(`${stack.baseUrl}/api/v1/auth/refresh`, {
			method: "POST",
			headers: { "content-type": "application/json" },
			body: JSON.stringify({ refreshToken })
		});
		expect(r.status).toBe(401);
	});
});
