/** Shipments: newest first, by order; ship the pending ones, deliver the shipped ones. */
import { useState } from "preact/hooks";
import type { Page } from "../../../shared/api";
import { api } from "../api";
import { FilterForm } from "../components/filters";
import { ErrorNote, Loading, PageTitle, Pager, Status, TableFrame } from "../components/ui";
import { dateTime, shortId } from "../format";
import { useLiveReload } from "../live";
import { errorText, useLoad } from "../load";
import { Link, navigate } from "../router";
import { href, readFilters, readPage } from "../routes";
import type { Shipment } from "../types";

const PAGE_SIZE = 20;

export function ShipmentsPage({ query }: { query: URLSearchParams }) {
	const f = readFilters(query, ["orderId"] as const);
	const page = readPage(query);
	const qs = new URLSearchParams({ page: String(page), pageSize: String(PAGE_SIZE) });
	if (f.orderId) qs.set("orderId", f.orderId);
	const list = useLoad(signal => api.get<Page<Shipment>>(`/v1/shipments?${qs}`, { signal }), [qs.toString()]);
	useLiveReload(e => e.event.startsWith("shipment.") || e.event === "order.paid", list.reload);
	const [error, setError] = useState<string | null>(null);
	const [busy, setBusy] = useState<string | null>(null);

	async function move(s: Shipment, status: "shipped" | "delivered") {
		setBusy(s.id);
		setError(null);
		try {
			await api.put(`/v1/shipments/${s.id}/status`, { status });
			list.reload();
		} catch (err) {
			setError(errorText(err));
		} finally {
			setBusy(null);
		}
	}

	return (
		<>
			<PageTitle>Shipments</PageTitle>
			<FilterForm path="/shipments" label="Filter shipments">
				<label>
					Order id
					<input type="text" name="orderId" defaultValue={f.orderId} spellcheck={false} />
				</label>
			</FilterForm>
			<ErrorNote message={list.error ?? error} />
			<Loading when={list.loading && !list.data} />
			{list.data ? (
				<>
					<TableFrame label="Shipments">
						<table>
							<thead>
								<tr>
									<th scope="col">Order</th>
									<th scope="col">Carrier</th>
									<th scope="col">Tracking</th>
									<th scope="col">Status</th>
									<th scope="col">Updated</th>
									<th scope="col">Action</th>
								</tr>
							</thead>
							<tbody>
								{list.data.items.map(s => (
									<tr key={s.id}>
										<td>
											<Link href={href(`/orders/${s.orderId}`)}>{shortId(s.orderId)}</Link>
										</td>
										<td>{s.carrier}</td>
										<td>{s.trackingNumber}</td>
										<td>
											<Status value={s.status} />
										</td>
										<td>{dateTime(s.updatedAt)}</td>
										<td>
											{s.status === "pending" ? (
												<button type="button" disabled={busy === s.id} onClick={() => void move(s, "shipped")}>
													Ship <span class="visually-hidden">order {shortId(s.orderId)}</span>
												</button>
											) : s.status === "shipped" ? (
												<button type="button" disabled={busy === s.id} onClick={() => void move(s, "delivered")}>
													Deliver <span class="visually-hidden">order {shortId(s.orderId)}</span>
												</button>
											) : null}
										</td>
									</tr>
								))}
							</tbody>
						</table>
					</TableFrame>
					{list.data.items.length === 0 ? <p>No shipment matches.</p> : null}
					<Pager
						page={page}
						pageSize={PAGE_SIZE}
						total={list.data.total}
						go={p => navigate(href("/shipments", { ...f, page: p }))}
					/>
				</>
			) : null}
		</>
	);
}
