/** Products: search, category, pages; create, edit, delete. */
import { useState } from "preact/hooks";
import type { Page } from "../../../shared/api";
import { api } from "../api";
import { FilterForm } from "../components/filters";
import { ErrorNote, Loading, PageTitle, Pager, TableFrame } from "../components/ui";
import { money } from "../format";
import { useLiveReload } from "../live";
import { errorText, useLoad } from "../load";
import { rememberProduct } from "../product-names";
import { Link, navigate } from "../router";
import { href, readFilters, readPage } from "../routes";
import type { Product } from "../types";

const PAGE_SIZE = 20;

export function ProductsPage({ query }: { query: URLSearchParams }) {
	const f = readFilters(query, ["q", "category"] as const);
	const page = readPage(query);
	const qs = new URLSearchParams({ page: String(page), pageSize: String(PAGE_SIZE) });
	if (f.q) qs.set("q", f.q);
	if (f.category) qs.set("category", f.category);
	const list = useLoad(
		async signal => {
			const res = await api.get<Page<Product>>(`/v1/products?${qs}`, { signal });
			res.items.forEach(rememberProduct);
			return res;
		},
		[qs.toString()]
	);
	const categories = useLoad(signal => api.get<Array<{ name: string; productCount: number }>>("/v1/categories", { signal }), []);
	useLiveReload(e => e.event === "product.unavailable", list.reload);
	const [confirming, setConfirming] = useState<string | null>(null);
	const [actionError, setActionError] = useState<string | null>(null);
	const [message, setMessage] = useState<string | null>(null);

	async function remove(p: Product) {
		setActionError(null);
		try {
			await api.del(`/v1/products/${p.id}`);
			setConfirming(null);
			setMessage(`${p.name} deleted.`);
			list.reload();
		} catch (err) {
			setActionError(errorText(err));
		}
	}

	return (
		<>
			<PageTitle>Products</PageTitle>
			<p>
				<Link class="button primary" href={href("/products/new")}>
					New product
				</Link>
			</p>
			<FilterForm path="/products" label="Filter products">
				<label>
					Search
					<input type="search" name="q" defaultValue={f.q} />
				</label>
				<label>
					Category
					<select name="category" defaultValue={f.category}>
						<option value="">All</option>
						{(categories.data ?? []).map(c => (
							<option key={c.name} value={c.name} selected={c.name === f.category}>
								{c.name} ({c.productCount})
							</option>
						))}
					</select>
				</label>
			</FilterForm>
			{message ? (
				<p class="note ok" role="status">
					{message}
				</p>
			) : null}
			<ErrorNote message={list.error ?? actionError} />
			<Loading when={list.loading && !list.data} />
			{list.data ? (
				<>
					<TableFrame label="Products">
						<table>
							<thead>
								<tr>
									<th scope="col">Name</th>
									<th scope="col">SKU</th>
									<th scope="col">Category</th>
									<th scope="col">Price</th>
									<th scope="col">Actions</th>
								</tr>
							</thead>
							<tbody>
								{list.data.items.map(p => (
									<tr key={p.id}>
										<td>
											<Link href={href(`/products/${p.id}`)}>{p.name}</Link>
										</td>
										<td>{p.sku ?? ""}</td>
										<td>{p.category}</td>
										<td>{money(p.price, p.currency)}</td>
										<td class="actions">
											{confirming === p.id ? (
												<>
													<button
														type="button"
														class="danger"
														ref={el => el?.focus()}
														onClick={() => void remove(p)}
													>
														Delete {p.name} for good
													</button>
													<button type="button" onClick={() => setConfirming(null)}>
														Keep
													</button>
												</>
											) : (
												<button type="button" onClick={() => setConfirming(p.id)} aria-label={`Delete ${p.name}`}>
													Delete
												</button>
											)}
										</td>
									</tr>
								))}
							</tbody>
						</table>
					</TableFrame>
					{list.data.items.length === 0 ? <p>No product matches.</p> : null}
					<Pager
						page={page}
						pageSize={PAGE_SIZE}
						total={list.data.total}
						go={p => navigate(href("/products", { ...f, page: p }))}
					/>
				</>
			) : null}
		</>
	);
}
