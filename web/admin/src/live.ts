/**
 * The admin's WebSocket (web/shared/ws.ts), shared by every page: pages subscribe to its events
 * to reload what an event changed, the layout shows its status and the activity feed.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { connectLive, type LiveConnection, type LiveEvent, type LiveStatus } from "../../shared/ws";
import { api } from "./api";

type EventListener = (e: LiveEvent) => void;

const eventListeners = new Set<EventListener>();
const statusListeners = new Set<(s: LiveStatus) => void>();
let connection: LiveConnection | null = null;
let status: LiveStatus = "offline";

function setStatus(s: LiveStatus) {
	status = s;
	statusListeners.forEach(l => l(s));
}

/** Connects (once) for the signed-in admin. */
export function startLive(): void {
	connection ??= connectLive({
		token: () => api.accessToken(),
		onEvent: e => eventListeners.forEach(l => l(e)),
		onStatus: setStatus
	});
}

export function stopLive(): void {
	connection?.close();
	connection = null;
	setStatus("offline");
}

export function useLiveStatus(): LiveStatus {
	const [s, set] = useState(status);
	useEffect(() => {
		statusListeners.add(set);
		set(status);
		return () => void statusListeners.delete(set);
	}, []);
	return s;
}

/** Calls `listener` for every live event while the component is mounted. */
export function useLiveEvents(listener: EventListener): void {
	const latest = useRef(listener);
	latest.current = listener;
	useEffect(() => {
		const l: EventListener = e => latest.current(e);
		eventListeners.add(l);
		return () => void eventListeners.delete(l);
	}, []);
}

/**
 * Runs `reload` shortly after events that `matches` accepts (one reload for a burst), and when the
 * connection comes back (events missed while offline are not replayed).
 */
export function useLiveReload(matches: (e: LiveEvent) => boolean, reload: () => void, delayMs = 300): void {
	const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
	const latest = useRef(reload);
	latest.current = reload;
	const schedule = () => {
		if (timer.current) return;
		timer.current = setTimeout(() => {
			timer.current = null;
			latest.current();
		}, delayMs);
	};
	useLiveEvents(e => matches(e) && schedule());
	const s = useLiveStatus();
	const wasLive = useRef(s === "live");
	useEffect(() => {
		if (s === "live" && !wasLive.current) schedule();
		wasLive.current = s === "live";
	}, [s]);
	useEffect(() => () => void (timer.current && clearTimeout(timer.current)), []);
}
