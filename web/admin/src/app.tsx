/** The backoffice: admins only; anyone else is sent to sign in as an admin. */
import { useEffect, useRef, useState } from "preact/hooks";
import type { Session } from "../../shared/api";
import { api, isAdmin } from "./api";
import { Layout } from "./components/layout";
import { addToFeed, describeEvent, type FeedItem } from "./live-feed";
import { startLive, stopLive, useLiveEvents, useLiveStatus } from "./live";
import { CustomersPage } from "./pages/customers";
import { DashboardPage } from "./pages/dashboard";
import { InventoryPage } from "./pages/inventory";
import { LoginPage } from "./pages/login";
import { LogsPage } from "./pages/logs";
import { NotFoundPage } from "./pages/not-found";
import { NotificationsPage } from "./pages/notifications";
import { OrderPage } from "./pages/order";
import { OrdersPage } from "./pages/orders";
import { ProductPage } from "./pages/product";
import { ProductsPage } from "./pages/products";
import { ShipmentsPage } from "./pages/shipments";
import { loadProductNames, productName } from "./product-names";
import { navigate, useRoute } from "./router";
import { BASE, href, type Route } from "./routes";

const TITLES: Record<Route["name"], string> = {
	dashboard: "Dashboard",
	login: "Sign in",
	products: "Products",
	product: "Product",
	productNew: "New product",
	inventory: "Inventory",
	orders: "Orders",
	order: "Order",
	shipments: "Shipments",
	customers: "Customers",
	notifications: "Notifications",
	logs: "Logs",
	notFound: "Not found"
};

function Page({ route }: { route: Route }) {
	switch (route.name) {
		case "dashboard":
			return <DashboardPage />;
		case "products":
			return <ProductsPage query={route.query} />;
		case "productNew":
			return <ProductPage />;
		case "product":
			return <ProductPage id={route.params.id} />;
		case "inventory":
			return <InventoryPage query={route.query} />;
		case "orders":
			return <OrdersPage query={route.query} />;
		case "order":
			return <OrderPage id={route.params.id} />;
		case "shipments":
			return <ShipmentsPage query={route.query} />;
		case "customers":
			return <CustomersPage query={route.query} />;
		case "notifications":
			return <NotificationsPage query={route.query} />;
		case "logs":
			return <LogsPage query={route.query} />;
		default:
			return <NotFoundPage />;
	}
}

export function App() {
	const route = useRoute();
	const [session, setSession] = useState<Session | null>(api.session());
	const [feed, setFeed] = useState<readonly FeedItem[]>([]);
	const live = useLiveStatus();
	const admin = isAdmin(session?.user);
	const path = location.pathname + location.search;

	useEffect(() => api.onSession(setSession), []);

	useEffect(() => {
		if (admin) startLive();
		else stopLive();
	}, [admin]);

	useLiveEvents(e => {
		const productId = (e.data as { productId?: unknown }).productId;
		const add = () => setFeed(f => addToFeed(f, describeEvent(e, productName)));
		if (typeof productId === "string") void loadProductNames([productId]).then(add, add);
		else add();
	});

	// Not an admin (signed out, or a customer's session): to the sign-in page, back here after.
	const mustSignIn = !admin && route.name !== "login";
	useEffect(() => {
		if (mustSignIn) navigate(href("/login", { next: path }), { replace: true });
	}, [mustSignIn, path]);

	// A new page: its title, and after a navigation in the app the keyboard and screen reader start
	// at its heading (a page load starts at the top, with the skip link).
	const loaded = useRef(false);
	useEffect(() => {
		document.title = `${TITLES[route.name]} · Backoffice`;
		if (loaded.current) document.getElementById("page-title")?.focus();
		loaded.current = true;
	}, [route.name, route.params.id]);

	if (route.name === "login") return <LoginPage query={route.query} />;
	if (mustSignIn || !session) return null;
	return (
		<Layout
			route={route.name}
			email={session.user.email}
			live={live}
			feed={feed}
			onSignOut={() => void api.logout().then(() => navigate(BASE + "/login"))}
		>
			<Page route={route} />
		</Layout>
	);
}
