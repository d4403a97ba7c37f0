/** Orders: filters by status, days and customer; new and changed orders appear without a reload. */
import type { Page } from "../../../shared/api";
import { api } from "../api";
import { FilterForm } from "../components/filters";
import { ErrorNote, Loading, PageTitle, Pager, Status, TableFrame } from "../components/ui";
import { dateTime, dayEnd, dayStart, money, shortId } from "../format";
import { useLiveReload } from "../live";
import { useLoad } from "../load";
import { Link, navigate } from "../router";
import { href, readFilters, readPage } from "../routes";
import { ORDER_STATUSES, type Order } from "../types";

const PAGE_SIZE = 20;
const FILTERS = ["status", "from", "to", "userId"] as const;

export function OrdersPage({ query }: { query: URLSearchParams }) {
	const f = readFilters(query, FILTERS);
	const page = readPage(query);
	const qs = new URLSearchParams({ page: String(page), pageSize: String(PAGE_SIZE) });
	if (f.status) qs.set("status", f.status);
	const from = dayStart(f.from);
	const to = dayEnd(f.to);
	if (from) qs.set("from", from);
	if (to) qs.set("to", to);
	const path = f.userId ? `/v1/orders/user/${encodeURIComponent(f.userId)}?${qs}` : `/v1/orders?${qs}`;
	const list = useLoad(signal => api.get<Page<Order>>(path, { signal }), [path]);
	useLiveReload(e => e.event.startsWith("order."), list.reload);

	return (
		<>
			<PageTitle>Orders</PageTitle>
			<FilterForm path="/orders" label="Filter orders">
				<label>
					Status
					<select name="status">
						<option value="">Any</option>
						{ORDER_STATUSES.map(s => (
							<option key={s} value={s} selected={s === f.status}>
								{s}
							</option>
						))}
					</select>
				</label>
				<label>
					From
					<input type="date" name="from" defaultValue={f.from} />
				</label>
				<label>
					To
					<input type="date" name="to" defaultValue={f.to} />
				</label>
				<label>
					Customer id
					<input type="text" name="userId" defaultValue={f.userId} spellcheck={false} />
				</label>
			</FilterForm>
			<ErrorNote message={list.error} />
			<Loading when={list.loading && !list.data} />
			{list.data ? (
				<>
					<TableFrame label="Orders">
						<table data-testid="orders-table">
							<thead>
								<tr>
									<th scope="col">Order</th>
									<th scope="col">Placed</th>
									<th scope="col">Customer</th>
									<th scope="col">Items</th>
									<th scope="col">Total</th>
									<th scope="col">Status</th>
								</tr>
							</thead>
							<tbody>
								{list.data.items.map(o => (
									<tr key={o.id} data-order-id={o.id}>
										<td>
											<Link href={href(`/orders/${o.id}`)}>{shortId(o.id)}</Link>
										</td>
										<td>{dateTime(o.createdAt)}</td>
										<td>
											<Link href={href("/orders", { userId: o.userId })} title={o.userId}>
												{o.shippingAddress?.name || shortId(o.userId)}
											</Link>
										</td>
										<td>{o.items.reduce((n, i) => n + i.quantity, 0)}</td>
										<td>{money(o.total, o.currency)}</td>
										<td>
											<Status value={o.status} />
										</td>
									</tr>
								))}
							</tbody>
						</table>
					</TableFrame>
					{list.data.items.length === 0 ? <p>No order matches.</p> : null}
					<Pager
						page={page}
						pageSize={PAGE_SIZE}
						total={list.data.total}
						go={p => navigate(href("/orders", { ...f, page: p }))}
					/>
				</>
			) : null}
		</>
	);
}
