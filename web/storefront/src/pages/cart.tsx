/** The cart, signed in or not; checkout asks to sign in first when needed. */
import { useState } from "preact/hooks";
import { dismissNotice, setQuantity, useCart } from "../cart";
import { Notice } from "../components/forms";
import { formatMoney } from "../format";
import { Link } from "../router";

export function CartPage() {
	const cart = useCart();
	const [error, setError] = useState<string | null>(null);

	const change = async (productId: string, quantity: number) => {
		setError(null);
		try {
			await setQuantity(productId, quantity);
		} catch (err) {
			setError((err as Error).message);
		}
	};

	return (
		<>
			<h1>Your cart</h1>
			{cart.notice && (
				<Notice kind="info">
					{cart.notice}{" "}
					<button type="button" class="link" onClick={dismissNotice}>
						Dismiss
					</button>
				</Notice>
			)}
			{error && <Notice kind="error">{error}</Notice>}
			{!cart.ready ? (
				<p>Loading…</p>
			) : cart.lines.length === 0 ? (
				<p>
					Your cart is empty. <Link href="/">Browse the catalog</Link>
				</p>
			) : (
				<>
					<ul class="lines">
						{cart.lines.map(l => (
							<li key={l.productId} class="line">
								<div class="line-name">
									<Link href={`/products/${encodeURIComponent(l.productId)}`}>{l.name}</Link>
									{!l.available && <p class="field-error">No longer available</p>}
									<p class="muted">{formatMoney(l.price, l.currency)} each</p>
								</div>
								<div class="field narrow">
									<label for={`qty-${l.productId}`}>Quantity of {l.name}</label>
									<input
										id={`qty-${l.productId}`}
										type="number"
										min="0"
										max="100"
										value={l.quantity}
										onChange={e => {
											const n = Number((e.target as HTMLInputElement).value);
											if (Number.isInteger(n) && n >= 0 && n <= 100) void change(l.productId, n);
										}}
									/>
								</div>
								<p class="price">{formatMoney(l.subtotal, l.currency)}</p>
								<button
									type="button"
									class="secondary"
									onClick={() => change(l.productId, 0)}
									aria-label={`Remove ${l.name}`}
								>
									Remove
								</button>
							</li>
						))}
					</ul>
					<p class="total">
						Total ({cart.itemCount} {cart.itemCount === 1 ? "item" : "items"}):{" "}
						<strong>{formatMoney(cart.total, cart.currency)}</strong>
					</p>
					<p>
						<Link class="button" href="/checkout">
							Checkout
						</Link>
					</p>
				</>
			)}
		</>
	);
}
