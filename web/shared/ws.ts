/**
 * The live connection of the web apps: the gateway's WebSocket `/ws`. Usage:
 *
 *   const live = connectLive({
 *     token: () => api.accessToken(),                  // fresh JWT, or null (then it waits)
 *     onEvent: e => e.event === "order.paid" && reload(e.data),
 *     onStatus: s => setBadge(s)                       // "connecting" | "live" | "offline"
 *   });
 *   live.close();
 *
 * The token is sent as the first message, not in the URL (URLs end up in access logs). The
 * server closes a socket whose token expired or whose session ended with 4401: the client asks
 * `token()` again (which refreshes) and reconnects; any other drop reconnects with a growing delay.
 * Events missed while offline are not replayed: `onStatus("live")` is the moment to reload state.
 */

export interface LiveEvent<D = Record<string, unknown>> {
	event: string;
	id: string;
	time: string;
	subject?: string;
	data: D;
}

export type LiveStatus = "connecting" | "live" | "offline";

export interface LiveOptions {
	token: () => Promise<string | null>;
	onEvent: (event: LiveEvent) => void;
	onStatus?: (status: LiveStatus) => void;
	/** Default: `/ws` on this page's host, ws: or wss: like the page. */
	url?: string;
	/** Delays between reconnection attempts, ms; the last one repeats. */
	backoffMs?: number[];
}

export interface LiveConnection {
	close(): void;
}

const UNAUTHORIZED = 4401;

export function defaultLiveUrl(): string {
	// Typed by hand: this file is also compiled without the DOM types (unit tests).
	const { protocol, host } = (globalThis as unknown as { location: { protocol: string; host: string } }).location;
	return `${protocol === "https:" ? "wss:" : "ws:"}//${host}/ws`;
}

export function connectLive(opts: LiveOptions): LiveConnection {
	const backoff = opts.backoffMs ?? [500, 1000, 2000, 5000, 10000];
	let attempt = 0;
	let socket: WebSocket | null = null;
	let timer: ReturnType<typeof setTimeout> | null = null;
	let closed = false;
	let status: LiveStatus | null = null;

	const setStatus = (s: LiveStatus) => {
		if (s === status) return;
		status = s;
		opts.onStatus?.(s);
	};

	const retry = () => {
		if (closed) return;
		setStatus("offline");
		const delay = backoff[Math.min(attempt, backoff.length - 1)];
		attempt++;
		timer = setTimeout(open, delay);
	};

	async function open() {
		timer = null;
		if (closed) return;
		setStatus("connecting");
		let token: string | null;
		try {
			token = await opts.token();
		} catch {
			return retry();
		}
		// Signed out: nothing to listen to until the app connects again.
		if (!token || closed) return setStatus("offline");
		const ws = new WebSocket(opts.url ?? defaultLiveUrl());
		socket = ws;
		ws.onopen = () => ws.send(JSON.stringify({ type: "auth", token }));
		ws.onmessage = msg => {
			let data: { type?: string } & Partial<LiveEvent>;
			try {
				data = JSON.parse(String(msg.data));
			} catch {
				return;
			}
			if (data.type === "ready") {
				attempt = 0;
				setStatus("live");
			} else if (data.type === "event" && data.event) opts.onEvent(data as LiveEvent);
		};
		ws.onclose = ev => {
			if (socket !== ws) return;
			socket = null;
			// An expired token: reconnect at once with a fresh one (token() refreshes it).
			if (ev.code === UNAUTHORIZED && attempt === 0) {
				attempt++;
				return void open();
			}
			retry();
		};
	}

	void open();
	return {
		close() {
			closed = true;
			if (timer) clearTimeout(timer);
			socket?.close(1000);
			socket = null;
		}
	};
}
