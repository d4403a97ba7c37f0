/**
 * One product, with its availability kept current: asked again every few seconds while the tab is
 * visible (GET /inventory/check, public), and at once when the tab comes back.
 */
import { useEffect, useState } from "preact/hooks";
import { ApiError } from "../../../shared/api";
import { addToCart } from "../cart";
import { Notice } from "../components/forms";
import { formatMoney } from "../format";
import { Link } from "../router";
import { api } from "../session";
import type { Product } from "./catalog";

const AVAILABILITY_EVERY_MS = 5000;

interface Check {
	available: number;
	sufficient: boolean;
}

function useAvailability(productId: string): number | null {
	const [available, setAvailable] = useState<number | null>(null);
	useEffect(() => {
		let stopped = false;
		const check = () => {
			if (document.visibilityState !== "visible") return;
			api.get<Check>(`/inventory/check?productId=${encodeURIComponent(productId)}&quantity=1`, { auth: false }).then(
				c => !stopped && setAvailable(c.available),
				() => undefined
			);
		};
		check();
		const timer = setInterval(check, AVAILABILITY_EVERY_MS);
		document.addEventListener("visibilitychange", check);
		return () => {
			stopped = true;
			clearInterval(timer);
			document.removeEventListener("visibilitychange", check);
		};
	}, [productId]);
	return available;
}

export function ProductPage({ id }: { id: string }) {
	const [product, setProduct] = useState<Product | null>(null);
	const [missing, setMissing] = useState(false);
	const [error, setError] = useState<string | null>(null);
	const [added, setAdded] = useState<string | null>(null);
	const [quantity, setQuantity] = useState("1");
	const available = useAvailability(id);

	useEffect(() => {
		setProduct(null);
		setMissing(false);
		api.get<Product>(`/products/${encodeURIComponent(id)}`, { auth: false }).then(setProduct, err => {
			if (err instanceof ApiError && err.status === 404) setMissing(true);
			else setError((err as Error).message);
		});
	}, [id]);

	if (missing)
		return (
			<>
				<h1>Product not found</h1>
				<p>
					This product is not in the catalog (any more). <Link href="/">Back to the catalog</Link>
				</p>
			</>
		);
	if (!product) return <>{error ? <Notice kind="error">{error}</Notice> : <p aria-live="polite">Loading…</p>}</>;

	const qty = Number(quantity);
	const outOfStock = available !== null && available <= 0;
	const tooMany = available !== null && qty > available;

	const add = async (e: Event) => {
		e.preventDefault();
		setError(null);
		try {
			await addToCart(product, qty);
			setAdded(`${qty} × ${product.name} added to your cart.`);
		} catch (err) {
			setError((err as Error).message);
		}
	};

	return (
		<article class="product">
			<p>
				<Link href="/">← Back to the catalog</Link>
			</p>
			<h1>{product.name}</h1>
			{product.category && <p class="muted">{product.category}</p>}
			<p class="price big">{formatMoney(product.price, product.currency)}</p>
			{product.description && <p>{product.description}</p>}
			<p class={`stock ${outOfStock ? "out" : "in"}`} role="status" aria-live="polite" data-testid="availability">
				{available === null ? "Checking availability…" : outOfStock ? "Out of stock" : `In stock: ${available} available`}
			</p>
			{error && <Notice kind="error">{error}</Notice>}
			{added && (
				<Notice kind="success">
					{added} <Link href="/cart">View your cart</Link>
				</Notice>
			)}
			<form class="add" onSubmit={add}>
				<div class="field narrow">
					<label for="quantity">Quantity</label>
					<input
						id="quantity"
						type="number"
						min="1"
						max="100"
						value={quantity}
						onInput={e => setQuantity((e.target as HTMLInputElement).value)}
						aria-describedby={tooMany ? "quantity-error" : undefined}
					/>
					{tooMany && !outOfStock && (
						<p class="field-error" id="quantity-error">
							Only {available} available.
						</p>
					)}
				</div>
				<button type="submit" disabled={outOfStock || !(qty >= 1 && qty <= 100) || tooMany}>
					Add to cart
				</button>
			</form>
		</article>
	);
}
