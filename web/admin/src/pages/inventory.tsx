/** Inventory: every item or the low-stock ones, each with its movement history and threshold. */
import { useState } from "preact/hooks";
import type { Page } from "../../../shared/api";
import { api } from "../api";
import { ErrorNote, Loading, PageTitle, Pager, TableFrame } from "../components/ui";
import { dateTime, shortId } from "../format";
import { useLiveReload } from "../live";
import { errorText, useLoad } from "../load";
import { loadProductNames, productName } from "../product-names";
import { Link, navigate } from "../router";
import { href, readPage } from "../routes";
import type { InventoryItem, Movement } from "../types";

const PAGE_SIZE = 20;

function History({ item, onSaved }: { item: InventoryItem; onSaved: () => void }) {
	const history = useLoad(
		signal => api.get<Page<Movement>>(`/v1/inventory/${item.id}/history?pageSize=50`, { signal }),
		[item.id, item.updatedAt]
	);
	const [error, setError] = useState<string | null>(null);
	async function saveThreshold(e: Event) {
		e.preventDefault();
		setError(null);
		const value = Number(new FormData(e.currentTarget as HTMLFormElement).get("threshold"));
		try {
			await api.put(`/v1/inventory/${item.id}`, { lowStockThreshold: value });
			onSaved();
		} catch (err) {
			setError(errorText(err));
		}
	}
	const name = productName(item.productId) ?? item.productId;
	return (
		<section class="panel" aria-labelledby="history-title">
			<h2 id="history-title">History of {name}</h2>
			<form class="row" onSubmit={saveThreshold}>
				<div class="field">
					<label for="threshold">Low-stock threshold</label>
					<input
						id="threshold"
						name="threshold"
						type="number"
						min="0"
						step="1"
						required
						defaultValue={String(item.lowStockThreshold)}
						key={item.lowStockThreshold}
					/>
				</div>
				<button type="submit">Save threshold</button>
			</form>
			<ErrorNote message={error ?? history.error} />
			{history.data ? (
				<TableFrame label={`Movements of ${name}`}>
					<table>
						<thead>
							<tr>
								<th scope="col">When</th>
								<th scope="col">Movement</th>
								<th scope="col">Quantity</th>
								<th scope="col">On hand</th>
								<th scope="col">Reserved</th>
								<th scope="col">By</th>
								<th scope="col">Order or reason</th>
							</tr>
						</thead>
						<tbody>
							{history.data.items.map(m => (
								<tr key={m.id}>
									<td>{dateTime(m.at)}</td>
									<td>{m.type}</td>
									<td>{m.quantity}</td>
									<td>
										{m.onHandBefore} → {m.onHandAfter}
									</td>
									<td>
										{m.reservedBefore} → {m.reservedAfter}
									</td>
									<td>{m.actor}</td>
									<td>
										{m.orderId ? (
											<Link href={href(`/orders/${m.orderId}`)}>Order {shortId(m.orderId)}</Link>
										) : (
											(m.reason ?? "")
										)}
									</td>
								</tr>
							))}
						</tbody>
					</table>
				</TableFrame>
			) : (
				<Loading when={history.loading} />
			)}
			{history.data && history.data.total > history.data.items.length ? (
				<p class="muted">
					The latest {history.data.items.length} of {history.data.total} movements.
				</p>
			) : null}
		</section>
	);
}

export function InventoryPage({ query }: { query: URLSearchParams }) {
	const lowStock = query.get("lowStock") === "1";
	const open = query.get("item") ?? "";
	const page = readPage(query);
	const list = useLoad(
		async signal => {
			const res = await api.get<Page<InventoryItem>>(
				`/v1/inventory?page=${page}&pageSize=${PAGE_SIZE}${lowStock ? "&lowStock=true" : ""}`,
				{ signal }
			);
			await loadProductNames(res.items.map(i => i.productId));
			return res;
		},
		[page, lowStock]
	);
	const openItem = useLoad(
		signal =>
			open
				? api
						.get<InventoryItem>(`/v1/inventory/${encodeURIComponent(open)}`, { signal })
						.then(async i => (await loadProductNames([i.productId]), i))
				: Promise.resolve(null),
		[open, list.data]
	);
	useLiveReload(e => /^(inventory\.low_stock|product\.unavailable|order\.(created|cancelled|shipped))$/.test(e.event), list.reload);
	const go = (filters: Record<string, string | number | undefined>) =>
		navigate(href("/inventory", { lowStock: lowStock ? 1 : undefined, item: open || undefined, page, ...filters }));

	return (
		<>
			<PageTitle>Inventory</PageTitle>
			<div class="filters">
				<label class="check">
					<input
						type="checkbox"
						checked={lowStock}
						onChange={e => go({ lowStock: e.currentTarget.checked ? 1 : undefined, page: 1 })}
					/>
					Low stock only
				</label>
			</div>
			<ErrorNote message={list.error} />
			<Loading when={list.loading && !list.data} />
			{list.data ? (
				<>
					<TableFrame label="Inventory items">
						<table>
							<thead>
								<tr>
									<th scope="col">Product</th>
									<th scope="col">On hand</th>
									<th scope="col">Reserved</th>
									<th scope="col">Available</th>
									<th scope="col">Threshold</th>
									<th scope="col">Updated</th>
									<th scope="col">History</th>
								</tr>
							</thead>
							<tbody>
								{list.data.items.map(i => (
									<tr key={i.id} class={i.available <= i.lowStockThreshold ? "warn" : undefined}>
										<td>
											<Link href={href(`/products/${i.productId}`)}>{productName(i.productId) ?? i.productId}</Link>
										</td>
										<td>{i.onHand}</td>
										<td>{i.reserved}</td>
										<td>
											{i.available}
											{i.available <= i.lowStockThreshold ? <span class="sr-label"> (low)</span> : null}
										</td>
										<td>{i.lowStockThreshold}</td>
										<td>{dateTime(i.updatedAt)}</td>
										<td>
											<button
												type="button"
												aria-expanded={open === i.id}
												onClick={() => go({ item: open === i.id ? undefined : i.id })}
											>
												{open === i.id ? "Hide" : "Show"}{" "}
												<span class="visually-hidden">history of {productName(i.productId) ?? i.productId}</span>
											</button>
										</td>
									</tr>
								))}
							</tbody>
						</table>
					</TableFrame>
					{list.data.items.length === 0 ? (
						<p>{lowStock ? "No item is at or below its threshold." : "No inventory yet."}</p>
					) : null}
					<Pager page={page} pageSize={PAGE_SIZE} total={list.data.total} go={p => go({ page: p })} />
				</>
			) : null}
			{openItem.data ? <History item={openItem.data} onSaved={list.reload} /> : <ErrorNote message={openItem.error} />}
		</>
	);
}
