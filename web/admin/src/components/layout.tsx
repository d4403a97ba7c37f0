/** The frame of every signed-in page: skip link, header, navigation, live status and feed. */
import type { ComponentChildren } from "preact";
import type { LiveStatus } from "../../../shared/ws";
import { dateTime } from "../format";
import type { FeedItem } from "../live-feed";
import { Link } from "../router";
import { BASE, href, type RouteName } from "../routes";

const NAV: Array<{ path: string; label: string; routes: RouteName[] }> = [
	{ path: "/", label: "Dashboard", routes: ["dashboard"] },
	{ path: "/products", label: "Products", routes: ["products", "product", "productNew"] },
	{ path: "/inventory", label: "Inventory", routes: ["inventory"] },
	{ path: "/orders", label: "Orders", routes: ["orders", "order"] },
	{ path: "/shipments", label: "Shipments", routes: ["shipments"] },
	{ path: "/customers", label: "Customers", routes: ["customers"] },
	{ path: "/notifications", label: "Notifications", routes: ["notifications"] },
	{ path: "/logs", label: "Logs", routes: ["logs"] }
];

const STATUS_TEXT: Record<LiveStatus, string> = { live: "Live", connecting: "Connecting…", offline: "Offline" };

interface LayoutProps {
	route: RouteName;
	email: string;
	live: LiveStatus;
	feed: readonly FeedItem[];
	onSignOut: () => void;
	children: ComponentChildren;
}

export function Layout({ route, email, live, feed, onSignOut, children }: LayoutProps) {
	return (
		<>
			<a class="skip" href="#main">
				Skip to content
			</a>
			<header class="top">
				<p class="brand">Shop backoffice</p>
				<p class={`live live-${live}`} role="status" aria-live="polite">
					<span aria-hidden="true" class="dot" />
					{STATUS_TEXT[live]}
				</p>
				<p class="who">
					<span class="muted">Signed in as</span> {email}{" "}
					<button type="button" onClick={onSignOut}>
						Sign out
					</button>
				</p>
			</header>
			<nav class="nav" aria-label="Backoffice">
				<ul>
					{NAV.map(n => (
						<li key={n.path}>
							<Link href={href(n.path)} aria-current={n.routes.includes(route) ? "page" : undefined}>
								{n.label}
							</Link>
						</li>
					))}
				</ul>
			</nav>
			<div class="body">
				<main id="main" tabIndex={-1}>
					{children}
				</main>
				<aside class="feed" aria-labelledby="feed-title">
					<h2 id="feed-title">Live activity</h2>
					{feed.length === 0 ? <p class="muted">New orders and stock alerts appear here as they happen.</p> : null}
					<ol aria-live="polite" aria-relevant="additions" data-testid="live-feed">
						{feed.map(item => (
							<li key={item.id} class={item.alert ? "alert" : undefined}>
								{item.path ? <Link href={BASE + item.path}>{item.text}</Link> : item.text}
								<time dateTime={item.time}>{dateTime(item.time)}</time>
							</li>
						))}
					</ol>
				</aside>
			</div>
		</>
	);
}
