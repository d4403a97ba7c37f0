/** A WebSocket client for tests: collects what the server pushes and how the socket ended. */
import { WebSocket, type ClientOptions } from "ws";

export interface TestSocket {
	ws: WebSocket;
	messages: any[];
	/** Resolves with the close code (1006 when the connection was cut without a close frame). */
	closed: Promise<{ code: number; reason: string }>;
	/** Resolves once the socket is open, rejects when the upgrade is refused (with the HTTP status). */
	opened: Promise<void>;
	send(message: unknown): void;
	/** The first message matching, waiting for it. */
	next(match: (m: any) => boolean, timeoutMs?: number): Promise<any>;
	events(type?: string): any[];
	close(): void;
}

export function connect(url: string, opts: ClientOptions = {}): TestSocket {
	const ws = new WebSocket(url, opts);
	const messages: any[] = [];
	const waiters: Array<{ match: (m: any) => boolean; resolve: (m: any) => void }> = [];
	ws.on("message", data => {
		const m = JSON.parse(data.toString());
		messages.push(m);
		for (const w of [...waiters]) {
			if (w.match(m)) {
				waiters.splice(waiters.indexOf(w), 1);
				w.resolve(m);
			}
		}
	});
	const opened = new Promise<void>((resolve, reject) => {
		ws.once("open", () => resolve());
		ws.once("unexpected-response", (_req, res) =>
			reject(Object.assign(new Error(`refused: ${res.statusCode}`), { status: res.statusCode }))
		);
		ws.once("error", err => reject(err));
	});
	opened.catch(() => undefined);
	const closed = new Promise<{ code: number; reason: string }>(resolve => {
		ws.once("close", (code, reason) => resolve({ code, reason: reason.toString() }));
	});
	ws.on("error", () => undefined);
	return {
		ws,
		messages,
		closed,
		opened,
		send: message => ws.send(JSON.stringify(message)),
		next(match, timeoutMs = 10_000) {
			const found = messages.find(match);
			if (found) return Promise.resolve(found);
			return new Promise((resolve, reject) => {
				const timer = setTimeout(
					() =>
						reject(
							new Error(
								`no matching message within ${timeoutMs} ms; got ${JSON.stringify(messages.map(m => m.event ?? m.type))}`
							)
						),
					timeoutMs
				);
				waiters.push({
					match,
					resolve: m => {
						clearTimeout(timer);
						resolve(m);
					}
				});
			});
		},
		events: type => messages.filter(m => m.type === "event" && (!type || m.event === type)),
		close: () => ws.close()
	};
}

export const wsUrl = (baseUrl: string, query = "") => `${baseUrl.replace(/^http/, "ws")}/ws${query}`;
