/** The customer's orders, newest first, a page at a time (?page=). */
import { useEffect, useState } from "preact/hooks";
import type { Page } from "../../../shared/api";
import { Notice } from "../components/forms";
import { formatDate, formatMoney } from "../format";
import { STATUS_LABELS } from "../messages";
import { Link } from "../router";
import { api } from "../session";
import type { Order } from "./order";

const PAGE_SIZE = 20;

export function OrdersPage({ search }: { search: string }) {
	const page = Math.max(1, Number(new URLSearchParams(search).get("page")) || 1);
	const [result, setResult] = useState<Page<Order> | null>(null);
	const [error, setError] = useState<string | null>(null);

	useEffect(() => {
		api.get<Page<Order>>(`/orders?page=${page}&pageSize=${PAGE_SIZE}`).then(setResult, err => setError((err as Error).message));
	}, [page]);

	const pages = result ? Math.max(1, Math.ceil(result.total / PAGE_SIZE)) : 1;
	return (
		<>
			<h1>Your orders</h1>
			{error && <Notice kind="error">{error}</Notice>}
			{!result && !error && <p>Loading…</p>}
			{result && result.items.length === 0 && (
				<p>
					No orders yet. <Link href="/">Browse the catalog</Link>
				</p>
			)}
			{result && result.items.length > 0 && (
				<table class="orders">
					<caption class="visually-hidden">Your orders, newest first</caption>
					<thead>
						<tr>
							<th scope="col">Order</th>
							<th scope="col">Placed</th>
							<th scope="col">Status</th>
							<th scope="col">Total</th>
						</tr>
					</thead>
					<tbody>
						{result.items.map(o => (
							<tr key={o.id}>
								<td>
									<Link href={`/orders/${encodeURIComponent(o.id)}`}>{o.id.slice(-8).toUpperCase()}</Link>
								</td>
								<td>{formatDate(o.createdAt)}</td>
								<td>
									<span class={`badge badge-${o.status}`}>{STATUS_LABELS[o.status] ?? o.status}</span>
								</td>
								<td>{formatMoney(o.total, o.currency)}</td>
							</tr>
						))}
					</tbody>
				</table>
			)}
			{pages > 1 && (
				<nav class="pagination" aria-label="Pages">
					{page > 1 ? <Link href={`/orders?page=${page - 1}`}>Previous page</Link> : <span />}
					<span>
						Page {page} of {pages}
					</span>
					{page < pages ? <Link href={`/orders?page=${page + 1}`}>Next page</Link> : <span />}
				</nav>
			)}
		</>
	);
}
