/** The storefront's frame (skip link, header, navigation, main, footer) and its routes. */
import { CartPage } from "./pages/cart";
import { CatalogPage } from "./pages/catalog";
import { CheckoutPage } from "./pages/checkout";
import { AccountPage } from "./pages/account";
import { OrderPage } from "./pages/order";
import { OrdersPage } from "./pages/orders";
import { ProductPage } from "./pages/product";
import { AuthForms } from "./components/auth-forms";
import { useCart } from "./cart";
import { Link, match, navigate, useFocusOnNavigate, useLocation } from "./router";
import { useLive, useSession } from "./session";

function SignInPage({ search }: { search: string }) {
	const session = useSession();
	const next = new URLSearchParams(search).get("next");
	// Only a path of this app, never another site.
	const target = next && next.startsWith("/") && !next.startsWith("//") ? next : "/account";
	if (session)
		return (
			<>
				<h1>Signed in</h1>
				<p>
					You are signed in as {session.user.email}. <Link href={target}>Continue</Link>
				</p>
			</>
		);
	return (
		<>
			<h1>Sign in</h1>
			<AuthForms onDone={() => navigate(target)} />
		</>
	);
}

function NotFound() {
	return (
		<>
			<h1>Page not found</h1>
			<p>
				There is nothing here. <Link href="/">Back to the catalog</Link>
			</p>
		</>
	);
}

function SignInFirst({ path }: { path: string }) {
	return (
		<>
			<h1>Please sign in</h1>
			<p>
				<Link href={`/signin?next=${encodeURIComponent(path)}`}>Sign in or create an account</Link> to see this page.
			</p>
		</>
	);
}

function Routes({ path, search }: { path: string; search: string }) {
	const session = useSession();
	let params: Record<string, string> | null;
	if (path === "/") return <CatalogPage search={search} />;
	if ((params = match("/products/:id", path))) return <ProductPage id={params.id} />;
	if (path === "/cart") return <CartPage />;
	if (path === "/checkout") return <CheckoutPage />;
	if (path === "/signin") return <SignInPage search={search} />;
	if (path === "/orders") return session ? <OrdersPage search={search} /> : <SignInFirst path={path} />;
	if ((params = match("/orders/:id", path))) return session ? <OrderPage id={params.id} /> : <SignInFirst path={path} />;
	if (path === "/account") return session ? <AccountPage user={session.user} /> : <SignInFirst path={path} />;
	return <NotFound />;
}

export function App() {
	const { path, search } = useLocation();
	const session = useSession();
	const cart = useCart();
	const live = useLive();
	useFocusOnNavigate(path);
	const current = (href: string) => (path === href ? "page" : undefined);
	return (
		<>
			<a class="skip" href="#main">
				Skip to content
			</a>
			<header class="top">
				<Link class="brand" href="/">
					Shop
				</Link>
				<nav aria-label="Main">
					<ul>
						<li>
							<Link href="/" aria-current={current("/")}>
								Catalog
							</Link>
						</li>
						<li>
							<Link href="/cart" aria-current={current("/cart")}>
								Cart{cart.itemCount ? ` (${cart.itemCount})` : ""}
							</Link>
						</li>
						{session ? (
							<>
								<li>
									<Link href="/orders" aria-current={current("/orders")}>
										Orders
									</Link>
								</li>
								<li>
									<Link href="/account" aria-current={current("/account")}>
										Account
									</Link>
								</li>
							</>
						) : (
							<li>
								<Link href="/signin" aria-current={current("/signin")}>
									Sign in
								</Link>
							</li>
						)}
					</ul>
				</nav>
			</header>
			<main id="main" tabIndex={-1}>
				<Routes path={path} search={search} />
			</main>
			<footer class="bottom">
				<p>
					{session ? `Signed in as ${session.user.name}. ` : ""}
					{session && (live === "live" ? "Live updates on." : "Live updates reconnecting…")}
				</p>
				<p>
					A demo shop: prices are real numbers, payments are simulated. <a href="/docs">API documentation</a>
				</p>
			</footer>
		</>
	);
}
