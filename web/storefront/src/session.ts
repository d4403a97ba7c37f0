/**
 * The signed-in customer of this browser: the shared API client (web/shared/api.ts) with the
 * storefront's own storage key, a hook that re-renders on sign-in and sign-out (in this tab or
 * another), and the live connection to /ws while signed in.
 */
import { useEffect, useState } from "preact/hooks";
import { createApi, type Session } from "../../shared/api";
import { connectLive, type LiveEvent, type LiveStatus } from "../../shared/ws";

export const api = createApi({ storageKey: "shop.session" });

// Another tab signed in or out.
window.addEventListener("storage", e => {
	if (e.key === "shop.session") api.reload();
});

export function useSession(): Session | null {
	const [session, setSession] = useState(api.session());
	useEffect(() => api.onSession(setSession), []);
	return session;
}

type EventListener = (e: LiveEvent) => void;
const eventListeners = new Set<EventListener>();
const statusListeners = new Set<(s: LiveStatus) => void>();
let liveStatus: LiveStatus = "offline";
let live: { close(): void } | null = null;

function follow(signedIn: boolean) {
	if (signedIn && !live)
		live = connectLive({
			token: () => api.accessToken(),
			onEvent: e => eventListeners.forEach(l => l(e)),
			onStatus: s => {
				liveStatus = s;
				statusListeners.forEach(l => l(s));
			}
		});
	if (!signedIn && live) {
		live.close();
		live = null;
		liveStatus = "offline";
		statusListeners.forEach(l => l("offline"));
	}
}
follow(!!api.session());
api.onSession(s => follow(!!s));

/** Calls `onEvent` for every live event while mounted; returns the connection's status. */
export function useLive(onEvent?: EventListener): LiveStatus {
	const [status, setStatus] = useState(liveStatus);
	useEffect(() => {
		statusListeners.add(setStatus);
		if (onEvent) eventListeners.add(onEvent);
		return () => {
			statusListeners.delete(setStatus);
			if (onEvent) eventListeners.delete(onEvent);
		};
	}, [onEvent]);
	return status;
}
