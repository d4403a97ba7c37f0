/** A small HTTP client for tests that talk to the gateway like any client app would. */
export interface HttpResult<T = any> {
	status: number;
	body: T;
	headers: Headers;
}

export interface RequestOptions {
	token?: string;
	headers?: Record<string, string>;
	/** Raw body string (to send malformed JSON); otherwise `body` is JSON-encoded. */
	raw?: string;
}

export function client(baseUrl: string) {
	async function request<T = any>(method: string, path: string, body?: unknown, opts: RequestOptions = {}): Promise<HttpResult<T>> {
		const headers: Record<string, string> = { ...opts.headers };
		if (opts.token) headers.authorization = `Bearer ${opts.token}`;
		let payload: string | undefined = opts.raw;
		if (payload === undefined && body !== undefined) payload = JSON.stringify(body);
		if (payload !== undefined) headers["content-type"] ??= "application/json";
		const res = await fetch(baseUrl + path, { method, headers, body: payload });
		const text = await res.text();
		let parsed: unknown = text;
		try {
			parsed = text ? JSON.parse(text) : undefined;
		} catch {
			/* non-JSON body (metrics text) stays a string */
		}
		return { status: res.status, body: parsed as T, headers: res.headers };
	}
	return {
		request,
		get: <T = any>(path: string, opts?: RequestOptions) => request<T>("GET", path, undefined, opts),
		post: <T = any>(path: string, body?: unknown, opts?: RequestOptions) => request<T>("POST", path, body, opts),
		put: <T = any>(path: string, body?: unknown, opts?: RequestOptions) => request<T>("PUT", path, body, opts),
		patch: <T = any>(path: string, body?: unknown, opts?: RequestOptions) => request<T>("PATCH", path, body, opts),
		del: <T = any>(path: string, opts?: RequestOptions) => request<T>("DELETE", path, undefined, opts)
	};
}

export type Client = ReturnType<typeof client>;
