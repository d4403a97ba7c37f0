/**
 * The storefront's routes, with the History API only: a link click or navigate() pushes the URL
 * and re-renders; the back button (popstate) does the same. After a page change the new page's
 * heading gets the focus, so a screen reader announces it and the keyboard starts from there.
 */
import type { AnchorHTMLAttributes, ComponentChildren } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";

export interface Location {
	path: string;
	search: string;
}

type Listener = (loc: Location) => void;
const listeners = new Set<Listener>();

const current = (): Location => ({ path: location.pathname, search: location.search });

function notify() {
	const loc = current();
	for (const l of listeners) l(loc);
}

window.addEventListener("popstate", notify);

/** Goes to `url` (path and query); `replace` for a change that should not add a history entry (filters as you type). */
export function navigate(url: string, opts: { replace?: boolean } = {}) {
	if (url === location.pathname + location.search) return;
	if (opts.replace) history.replaceState(null, "", url);
	else {
		history.pushState(null, "", url);
		scrollTo(0, 0);
	}
	notify();
}

export function useLocation(): Location {
	const [loc, setLoc] = useState(current);
	useEffect(() => {
		listeners.add(setLoc);
		return () => void listeners.delete(setLoc);
	}, []);
	return loc;
}

/** Matches `/products/:id` style patterns; the params, or null. */
export function match(pattern: string, path: string): Record<string, string> | null {
	const p = pattern.split("/");
	const s = path.split("/");
	if (p.length !== s.length) return null;
	const params: Record<string, string> = {};
	for (let i = 0; i < p.length; i++) {
		if (p[i].startsWith(":")) params[p[i].slice(1)] = decodeURIComponent(s[i]);
		else if (p[i] !== s[i]) return null;
	}
	return params;
}

type LinkProps = AnchorHTMLAttributes<HTMLAnchorElement> & { href: string; children: ComponentChildren };

/** An <a> that navigates in the app (a modified click still opens a new tab). */
export function Link({ href, children, ...rest }: LinkProps) {
	return (
		<a
			{...rest}
			href={href}
			onClick={e => {
				if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
				e.preventDefault();
				navigate(href);
			}}
		>
			{children}
		</a>
	);
}

/** Focuses the page's main heading when the path changes (not on the first load). */
export function useFocusOnNavigate(path: string) {
	const first = useRef(true);
	useEffect(() => {
		if (first.current) {
			first.current = false;
			return;
		}
		const h1 = document.querySelector<HTMLElement>("main h1");
		if (h1) {
			h1.tabIndex = -1;
			h1.focus();
		}
	}, [path]);
}
