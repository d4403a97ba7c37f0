/** Client-side navigation under /admin with the History API; pages are in routes.ts. */
import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import { matchRoute, type Route } from "./routes";

const listeners = new Set<() => void>();
const notify = () => listeners.forEach(l => l());
globalThis.addEventListener?.("popstate", notify);

export function navigate(to: string, opts: { replace?: boolean } = {}): void {
	if (to === location.pathname + location.search) return notify();
	history[opts.replace ? "replaceState" : "pushState"](null, "", to);
	notify();
}

export function useRoute(): Route {
	const [, setTick] = useState(0);
	useEffect(() => {
		const l = () => setTick(n => n + 1);
		listeners.add(l);
		return () => void listeners.delete(l);
	}, []);
	return matchRoute(location.pathname, location.search);
}

interface AnchorProps {
	href: string;
	children: ComponentChildren;
	class?: string;
	title?: string;
	"aria-label"?: string;
	"aria-current"?: "page";
}

/** An ordinary link (opens in a new tab with a modifier) that navigates in place on a plain click. */
export function Link({ href, children, ...rest }: AnchorProps) {
	return (
		<a
			{...rest}
			href={href}
			onClick={e => {
				if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
				e.preventDefault();
				navigate(href);
			}}
		>
			{children}
		</a>
	);
}
