/**
 * The seed's way into a running app: its public HTTP API, signed in as the admin. Everything the
 * seed writes goes through the app's own services (and so its stores, events and caches).
 */
import type { SeedProduct, SeedTarget } from "./seed";

const API = "/api/v1";
const PAGE_SIZE = 100;
const REQUEST_TIMEOUT_MS = 30_000;
const MAX_RATE_LIMIT_RETRIES = 3;

/** A refusal the operator can act on: the message says what to do, no stack trace needed. */
export class SeedRefused extends Error {
	constructor(message: string) {
		super(message);
		this.name = "SeedRefused";
	}
}

interface Answer {
	status: number;
	// eslint-disable-next-line @typescript-eslint/no-explicit-any
	body: any;
}

/** The app's address without a trailing slash or API prefix: "http://localhost:3000/api/v1/" -> "http://localhost:3000". */
export function appOrigin(url: string): string {
	return url.replace(/\/+$/, "").replace(/\/api(\/v1)?$/, "");
}

async function request(
	origin: string,
	method: string,
	path: string,
	body?: unknown,
	token?: string,
	rateLimitRetries = MAX_RATE_LIMIT_RETRIES
): Promise<Answer> {
	for (let attempt = 0; ; attempt++) {
		const res = await fetch(origin + API + path, {
			method,
			headers: {
				accept: "application/json",
				...(body !== undefined ? { "content-type": "application/json" } : {}),
				...(token ? { authorization: `Bearer ${token}` } : {})
			},
			body: body === undefined ? undefined : JSON.stringify(body),
			signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS)
		});
		const text = await res.text();
		let parsed: unknown = text;
		try {
			parsed = text ? JSON.parse(text) : undefined;
		} catch {
			/* not JSON: kept as text for the error message */
		}
		if (res.status === 429 && attempt < rateLimitRetries) {
			const seconds = Math.min(Number(res.headers.get("retry-after")) || 1, 60);
			await new Promise(resolve => setTimeout(resolve, seconds * 1000));
			continue;
		}
		return { status: res.status, body: parsed };
	}
}

function failure(what: string, answer: Answer): Error {
	const error = answer.body?.error;
	const detail = error ? `${error.type}: ${error.message}` : JSON.stringify(answer.body);
	return new Error(`${what} answered ${answer.status} (${detail})`);
}

export type AppProbe = { state: "ready" } | { state: "not-ready"; detail: string } | { state: "absent"; detail: string };

/** Whether this app answers at the origin: GET /api/v1/health/ready (200 ready, 503 starting or degraded). */
export async function probeApp(origin: string, timeoutMs = 3000): Promise<AppProbe> {
	let res: Response;
	try {
		res = await fetch(`${origin}${API}/health/ready`, { signal: AbortSignal.timeout(timeoutMs) });
	} catch (err) {
		const cause = (err as { cause?: { code?: string } }).cause;
		return { state: "absent", detail: cause?.code ?? (err as Error).message };
	}
	const body = (await res.json().catch(() => null)) as { ready?: boolean } | null;
	if (typeof body?.ready !== "boolean")
		return { state: "absent", detail: `GET ${API}/health/ready answered ${res.status}, not this app` };
	return body.ready ? { state: "ready" } : { state: "not-ready", detail: JSON.stringify(body) };
}

/** Signs the admin in; a refusal names the variables to set. */
export async function adminToken(origin: string, email: string, password: string | null): Promise<string> {
	if (!password)
		throw new SeedRefused(
			`ADMIN_PASSWORD is not set: the seed signs in to the app at ${origin} as the admin (ADMIN_EMAIL, now ${email}). ` +
				`Set ADMIN_PASSWORD to that account's password (the one the app was started with).`
		);
	// No retry on 429 here: a login lock lasts minutes, better said at once.
	const answer = await request(origin, "POST", "/auth/login", { email, password }, undefined, 0);
	if (answer.status === 200 && typeof answer.body?.accessToken === "string") return answer.body.accessToken;
	if (answer.status === 401 || answer.status === 422)
		throw new SeedRefused(
			`The app at ${origin} refused the admin login for ${email}: set ADMIN_PASSWORD to that account's password ` +
				`(and ADMIN_EMAIL if the admin has another email).`
		);
	if (answer.status === 429)
		throw new SeedRefused(
			`The app at ${origin} refuses logins for now (${answer.body?.error?.message ?? "too many requests"}): wait, then run the seed again.`
		);
	throw failure(`POST ${API}/auth/login`, answer);
}

/** A SeedTarget over the app's HTTP API with an admin's access token. */
export function httpSeedTarget(origin: string, token: string): SeedTarget {
	const call = (method: string, path: string, body?: unknown) => request(origin, method, path, body, token);

	/** Every item of a paged admin or public list. */
	async function everyItem<T>(path: string): Promise<T[]> {
		const items: T[] = [];
		for (let page = 1; ; page++) {
			const sep = path.includes("?") ? "&" : "?";
			const answer = await call("GET", `${path}${sep}page=${page}&pageSize=${PAGE_SIZE}`);
			if (answer.status !== 200) throw failure(`GET ${API}${path}`, answer);
			items.push(...(answer.body.items as T[]));
			if (answer.body.items.length < PAGE_SIZE || items.length >= answer.body.total) return items;
		}
	}

	return {
		async productIdsBySku() {
			// Oldest first: products created while we read land on later pages instead of shifting earlier ones.
			const products = await everyItem<{ id: string; sku?: string }>("/products?sort=createdAt");
			return new Map(products.filter(p => p.sku).map(p => [p.sku!, p.id]));
		},

		async createProduct(product: SeedProduct) {
			const answer = await call("POST", "/products", product);
			if (answer.status === 201) return { id: answer.body.id as string };
			if (answer.status === 409 && answer.body?.error?.type === "DUPLICATE_SKU") return null;
			if (answer.status === 403)
				throw new SeedRefused(
					`The app at ${origin} does not let the signed-in account create products: ADMIN_EMAIL must name an admin account.`
				);
			throw failure(`POST ${API}/products (sku ${product.sku})`, answer);
		},

		async stockedProductIds(productIds: string[]) {
			if (!productIds.length) return new Set<string>();
			const wanted = new Set(productIds);
			const items = await everyItem<{ productId: string }>("/inventory");
			return new Set(items.map(i => i.productId).filter(id => wanted.has(id)));
		},

		async createStock(productId: string, onHand: number) {
			const answer = await call("POST", "/inventory", { productId, onHand });
			if (answer.status === 201) return true;
			if (answer.status === 409) return false;
			throw failure(`POST ${API}/inventory (product ${productId})`, answer);
		}
	};
}
