/**
 * The HTTP client of the web apps, for `/api/v1`. Usage:
 *
 *   const api = createApi({ storageKey: "shop.session" });
 *   await api.login(email, password);            // or api.register({ email, password, name })
 *   const page = await api.get<Page<Product>>("/products?q=mug");
 *   await api.post("/cart/items", { productId, quantity: 1 }, { idempotencyKey: crypto.randomUUID() });
 *   api.onSession(s => render(s));                // signed in, refreshed, signed out (also by another tab)
 *
 * Tokens: the access token lives in memory only; the refresh token (and the user, for the first
 * paint) in `storage` (localStorage in the browser), so a reload stays signed in. A request that
 * answers 401 while signed in refreshes the pair once (`POST /auth/refresh`) and is retried once; a
 * refresh that fails signs out. Refresh tokens rotate and a replayed one ends the whole session, so
 * refreshes are serialised across tabs (Web Locks) and always use the token last stored.
 *
 * Every failure is an ApiError: the gateway's error body (`{ error: { type, message, code, data } }`)
 * when there is one, status 0 and type NETWORK_ERROR when the server could not be reached.
 */

export interface User {
	id: string;
	email: string;
	name: string;
	roles: string[];
}

export interface Page<T> {
	items: T[];
	total: number;
	page: number;
	pageSize: number;
}

export interface Session {
	user: User;
	refreshToken: string;
	accessToken: string | null;
	/** Access token expiry, epoch ms (0 when unknown). */
	expiresAt: number;
}

/** The slice of the Web Storage API the client needs (localStorage, or a Map-backed fake in tests). */
export interface KeyValueStore {
	getItem(key: string): string | null;
	setItem(key: string, value: string): void;
	removeItem(key: string): void;
}

export interface AuthResponse {
	user: User;
	accessToken: string;
	refreshToken: string;
	expiresIn: number;
}

export interface FieldError {
	field: string;
	message: string;
	type?: string;
}

export class ApiError extends Error {
	constructor(
		readonly status: number,
		readonly type: string,
		message: string,
		readonly data?: unknown
	) {
		super(message);
		this.name = "ApiError";
	}

	/** The fields the server named (422 validation errors), by field name. */
	fields(): Record<string, string> {
		const out: Record<string, string> = {};
		if (Array.isArray(this.data))
			for (const d of this.data as FieldError[]) if (d && typeof d.field === "string") out[d.field] ??= d.message;
		return out;
	}
}

export interface RequestOptions {
	/** Sent as Idempotency-Key (POST /orders, /cart/items, /cart/checkout). */
	idempotencyKey?: string;
	/** Send the access token (default: whenever signed in). */
	auth?: boolean;
	signal?: AbortSignal;
}

export interface ApiOptions {
	/** Default "/api/v1" (same origin). */
	base?: string;
	/** Where the refresh token is kept; default localStorage. */
	storage?: KeyValueStore;
	/** Storage key of the session; each app its own. */
	storageKey: string;
	fetch?: typeof fetch;
	/** Runs `fn` alone across tabs; default Web Locks when the browser has them. */
	exclusive?: <T>(name: string, fn: () => Promise<T>) => Promise<T>;
	/** Current time (tests). */
	now?: () => number;
}

type SessionListener = (session: Session | null) => void;

/** Refresh this long before the access token expires, so a request never carries a dying token. */
const EXPIRY_MARGIN_MS = 15_000;

const NETWORK_MESSAGE = "The shop could not be reached. Check your connection and try again.";

function browserStorage(): KeyValueStore {
	const g = globalThis as { localStorage?: KeyValueStore };
	if (g.localStorage) return g.localStorage;
	const map = new Map<string, string>();
	return { getItem: k => map.get(k) ?? null, setItem: (k, v) => void map.set(k, v), removeItem: k => void map.delete(k) };
}

function webLocks(): ApiOptions["exclusive"] {
	const locks = (globalThis as { navigator?: { locks?: { request<T>(name: string, fn: () => Promise<T>): Promise<T> } } }).navigator
		?.locks;
	return locks ? (name, fn) => locks.request(name, fn) : undefined;
}

/** Reads an error body; anything else becomes a generic error for the status. */
export async function errorFrom(res: Response): Promise<ApiError> {
	let body: unknown;
	try {
		body = await res.json();
	} catch {
		body = undefined;
	}
	const e = (body as { error?: { type?: string; message?: string; data?: unknown } } | undefined)?.error;
	if (e && typeof e.message === "string") return new ApiError(res.status, e.type ?? "ERROR", e.message, e.data);
	return new ApiError(res.status, "HTTP_ERROR", `The server answered ${res.status}${res.statusText ? ` ${res.statusText}` : ""}.`);
}

export function createApi(opts: ApiOptions) {
	const base = opts.base ?? "/api/v1";
	const storage = opts.storage ?? browserStorage();
	const doFetch = opts.fetch ?? ((...args: Parameters<typeof fetch>) => fetch(...args));
	const exclusive = opts.exclusive ?? webLocks() ?? (<T>(_name: string, fn: () => Promise<T>) => fn());
	const now = opts.now ?? Date.now;
	const listeners = new Set<SessionListener>();
	let session: Session | null = load();
	let refreshing: Promise<boolean> | null = null;

	function load(): Session | null {
		try {
			const raw = storage.getItem(opts.storageKey);
			if (!raw) return null;
			const s = JSON.parse(raw) as { user?: User; refreshToken?: string };
			return s.user && s.refreshToken ? { user: s.user, refreshToken: s.refreshToken, accessToken: null, expiresAt: 0 } : null;
		} catch {
			return null;
		}
	}

	function save(next: Session | null) {
		session = next;
		if (next) storage.setItem(opts.storageKey, JSON.stringify({ user: next.user, refreshToken: next.refreshToken }));
		else storage.removeItem(opts.storageKey);
		for (const l of listeners) l(next);
	}

	function accept(auth: AuthResponse): Session {
		const s: Session = {
			user: auth.user,
			refreshToken: auth.refreshToken,
			accessToken: auth.accessToken,
			expiresAt: now() + auth.expiresIn * 1000
		};
		save(s);
		return s;
	}

	/** One refresh at a time in this tab; across tabs the lock orders them and each uses the latest token. */
	function refresh(): Promise<boolean> {
		refreshing ??= exclusive(`${opts.storageKey}:refresh`, async () => {
			const stored = load();
			const token = stored?.refreshToken ?? session?.refreshToken;
			if (!token) return false;
			// Another tab rotated the pair while this one waited: its refresh token is ours too now.
			if (session && stored && stored.refreshToken !== session.refreshToken)
				session = { ...session, refreshToken: stored.refreshToken };
			let res: Response;
			try {
				res = await doFetch(`${base}/auth/refresh`, {
					method: "POST",
					headers: { "content-type": "application/json" },
					body: JSON.stringify({ refreshToken: token })
				});
			} catch {
				throw new ApiError(0, "NETWORK_ERROR", NETWORK_MESSAGE);
			}
			if (res.ok) {
				accept((await res.json()) as AuthResponse);
				return true;
			}
			// A refused refresh token (spent, ended, unknown) means signed out; a 5xx or 429 does not.
			if (res.status === 401 || res.status === 422) {
				save(null);
				return false;
			}
			throw await errorFrom(res);
		}).finally(() => (refreshing = null));
		return refreshing;
	}

	/** A usable access token, refreshed first when missing or about to expire; null when signed out. */
	async function accessToken(): Promise<string | null> {
		if (!session) return null;
		if (!session.accessToken || (session.expiresAt && session.expiresAt - EXPIRY_MARGIN_MS < now())) await refresh();
		return session?.accessToken ?? null;
	}

	async function send(method: string, path: string, body: unknown, o: RequestOptions, token: string | null): Promise<Response> {
		const headers: Record<string, string> = { accept: "application/json" };
		if (body !== undefined) headers["content-type"] = "application/json";
		if (token) headers.authorization = `Bearer ${token}`;
		if (o.idempotencyKey) headers["idempotency-key"] = o.idempotencyKey;
		try {
			return await doFetch(base + path, {
				method,
				headers,
				body: body === undefined ? undefined : JSON.stringify(body),
				signal: o.signal
			});
		} catch (err) {
			if ((err as { name?: string }).name === "AbortError") throw err;
			throw new ApiError(0, "NETWORK_ERROR", NETWORK_MESSAGE);
		}
	}

	async function request<T>(method: string, path: string, body?: unknown, o: RequestOptions = {}): Promise<T> {
		const useAuth = o.auth ?? true;
		const token = useAuth ? await accessToken() : null;
		let res = await send(method, path, body, o, token);
		// The token was refused (expired early, session ended elsewhere): refresh once and retry once.
		if (res.status === 401 && token) {
			if (await refresh()) res = await send(method, path, body, o, session?.accessToken ?? null);
		}
		if (!res.ok) throw await errorFrom(res);
		if (res.status === 204) return undefined as T;
		const text = await res.text();
		return (text ? JSON.parse(text) : undefined) as T;
	}

	return {
		request,
		get: <T>(path: string, o?: RequestOptions) => request<T>("GET", path, undefined, o),
		post: <T>(path: string, body?: unknown, o?: RequestOptions) => request<T>("POST", path, body ?? {}, o),
		put: <T>(path: string, body?: unknown, o?: RequestOptions) => request<T>("PUT", path, body ?? {}, o),
		patch: <T>(path: string, body?: unknown, o?: RequestOptions) => request<T>("PATCH", path, body ?? {}, o),
		del: <T>(path: string, o?: RequestOptions) => request<T>("DELETE", path, undefined, o),

		/** The current session (user, tokens), or null. */
		session: () => session,
		/** Called with the new session (or null) whenever it changes; returns the unsubscribe function. */
		onSession(listener: SessionListener): () => void {
			listeners.add(listener);
			return () => listeners.delete(listener);
		},
		accessToken,
		refresh,

		async login(email: string, password: string): Promise<User> {
			return accept(await request<AuthResponse>("POST", "/auth/login", { email, password }, { auth: false })).user;
		},
		async register(input: { email: string; password: string; name: string }): Promise<User> {
			return accept(await request<AuthResponse>("POST", "/auth/register", input, { auth: false })).user;
		},
		/** Ends this device's session (or, `everywhere`, every session of the account) on the server, best effort, and forgets it here. */
		async logout(everywhere = false): Promise<void> {
			const s = session;
			if (s)
				await request("POST", "/auth/logout", everywhere ? { everywhere: true } : { refreshToken: s.refreshToken }).catch(
					() => undefined
				);
			save(null);
		},
		/** Replaces the stored user (after a profile change). */
		setUser(user: User) {
			if (session) save({ ...session, user });
		},
		/** Another tab signed in or out: follow it (call from a `storage` event). */
		reload() {
			const stored = load();
			if (stored?.refreshToken === session?.refreshToken) return;
			save(stored);
		}
	};
}

export type Api = ReturnType<typeof createApi>;
