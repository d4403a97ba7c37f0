/** The catalog: search, category, price range, sort and pages, all kept in the URL (catalog-query.ts). */
import { useEffect, useState } from "preact/hooks";
import type { Page } from "../../../shared/api";
import { addToCart } from "../cart";
import {
	SORTS,
	SORT_LABELS,
	catalogSearch,
	pageCount,
	parseCatalogQuery,
	productsPath,
	withFilters,
	type CatalogQuery,
	type Sort
} from "../catalog-query";
import { Notice } from "../components/forms";
import { formatMoney } from "../format";
import { Link, navigate } from "../router";
import { api } from "../session";

export interface Product {
	id: string;
	name: string;
	description?: string;
	price: number;
	currency: string;
	category?: string;
}

interface Category {
	name: string;
	productCount: number;
}

function go(query: CatalogQuery) {
	navigate(`/${catalogSearch(query)}`);
}

export function CatalogPage({ search }: { search: string }) {
	const query = parseCatalogQuery(search);
	const [result, setResult] = useState<Page<Product> | null>(null);
	const [error, setError] = useState<string | null>(null);
	const [categories, setCategories] = useState<Category[]>([]);
	const [added, setAdded] = useState<string | null>(null);
	// The text fields are edited freely and applied on submit; the selects apply at once.
	const [q, setQ] = useState(query.q);
	const [minPrice, setMin] = useState(query.minPrice?.toString() ?? "");
	const [maxPrice, setMax] = useState(query.maxPrice?.toString() ?? "");
	const apiPath = productsPath(query);

	useEffect(() => {
		setQ(query.q);
		setMin(query.minPrice?.toString() ?? "");
		setMax(query.maxPrice?.toString() ?? "");
		const ctl = new AbortController();
		setError(null);
		api.get<Page<Product>>(apiPath, { auth: false, signal: ctl.signal }).then(setResult, err => {
			if (!ctl.signal.aborted) setError((err as Error).message);
		});
		return () => ctl.abort();
	}, [apiPath]);

	useEffect(() => {
		api.get<Category[]>("/categories", { auth: false }).then(setCategories, () => setCategories([]));
	}, []);

	const applyText = (e: Event) => {
		e.preventDefault();
		const parsed = parseCatalogQuery(`?minPrice=${encodeURIComponent(minPrice)}&maxPrice=${encodeURIComponent(maxPrice)}`);
		go(withFilters(query, { q: q.trim(), minPrice: parsed.minPrice, maxPrice: parsed.maxPrice }));
	};

	const add = async (p: Product) => {
		try {
			await addToCart(p, 1);
			setAdded(`${p.name} was added to your cart.`);
		} catch (err) {
			setError((err as Error).message);
		}
	};

	const pages = result ? pageCount(result.total) : 1;
	const heading = query.q ? `Results for “${query.q}”` : query.category ? `${query.category}` : "Catalog";

	return (
		<>
			<h1>{heading}</h1>
			<form class="filters" role="search" aria-label="Products" onSubmit={applyText}>
				<div class="field grow">
					<label for="q">Search products</label>
					<input id="q" name="q" type="search" value={q} onInput={e => setQ((e.target as HTMLInputElement).value)} />
				</div>
				<div class="field">
					<label for="category">Category</label>
					<select
						id="category"
						value={query.category}
						onChange={e => go(withFilters(query, { category: (e.target as HTMLSelectElement).value }))}
					>
						<option value="">All categories</option>
						{categories.map(c => (
							<option key={c.name} value={c.name}>
								{c.name} ({c.productCount})
							</option>
						))}
					</select>
				</div>
				<div class="field narrow">
					<label for="minPrice">Min price</label>
					<input
						id="minPrice"
						type="number"
						min="0"
						step="0.01"
						inputMode="decimal"
						value={minPrice}
						onInput={e => setMin((e.target as HTMLInputElement).value)}
					/>
				</div>
				<div class="field narrow">
					<label for="maxPrice">Max price</label>
					<input
						id="maxPrice"
						type="number"
						min="0"
						step="0.01"
						inputMode="decimal"
						value={maxPrice}
						onInput={e => setMax((e.target as HTMLInputElement).value)}
					/>
				</div>
				<div class="field">
					<label for="sort">Sort by</label>
					<select
						id="sort"
						value={query.sort}
						onChange={e => go(withFilters(query, { sort: (e.target as HTMLSelectElement).value as Sort }))}
					>
						{SORTS.map(s => (
							<option key={s} value={s}>
								{SORT_LABELS[s]}
							</option>
						))}
					</select>
				</div>
				<button type="submit">Search</button>
			</form>

			{error && <Notice kind="error">{error}</Notice>}
			{added && <Notice kind="success">{added}</Notice>}

			<p class="count" aria-live="polite">
				{result ? `${result.total} ${result.total === 1 ? "product" : "products"}` : "Loading products…"}
			</p>

			{result && result.items.length === 0 && <p>No product matches. Try another search or fewer filters.</p>}
			<ul class="grid">
				{result?.items.map(p => (
					<li key={p.id} class="card">
						<h2>
							<Link href={`/products/${encodeURIComponent(p.id)}`}>{p.name}</Link>
						</h2>
						{p.category && <p class="muted">{p.category}</p>}
						<p class="price">{formatMoney(p.price, p.currency)}</p>
						<button type="button" onClick={() => add(p)} aria-label={`Add ${p.name} to cart`}>
							Add to cart
						</button>
					</li>
				))}
			</ul>

			{result && pages > 1 && (
				<nav class="pagination" aria-label="Pages">
					{query.page > 1 ? <Link href={`/${catalogSearch({ ...query, page: query.page - 1 })}`}>Previous page</Link> : <span />}
					<span>
						Page {query.page} of {pages}
					</span>
					{query.page < pages ? <Link href={`/${catalogSearch({ ...query, page: query.page + 1 })}`}>Next page</Link> : <span />}
				</nav>
			)}
		</>
	);
}
