/** Notifications: filters by status, template, recipient and order; attempts and the last error of each. */
import { Fragment } from "preact";
import { useState } from "preact/hooks";
import type { Page } from "../../../shared/api";
import { api } from "../api";
import { FilterForm } from "../components/filters";
import { ErrorNote, Loading, PageTitle, Pager, Status, TableFrame } from "../components/ui";
import { dateTime } from "../format";
import { useLoad } from "../load";
import { Link, navigate } from "../router";
import { href, readFilters, readPage } from "../routes";
import type { Notification } from "../types";

const PAGE_SIZE = 20;
const FILTERS = ["status", "template", "recipient", "relatedId"] as const;

export function NotificationsPage({ query }: { query: URLSearchParams }) {
	const f = readFilters(query, FILTERS);
	const page = readPage(query);
	const qs = new URLSearchParams({ page: String(page), pageSize: String(PAGE_SIZE) });
	for (const k of FILTERS) if (f[k]) qs.set(k, f[k]);
	const list = useLoad(signal => api.get<Page<Notification>>(`/v1/notifications?${qs}`, { signal }), [qs.toString()]);
	const [open, setOpen] = useState<string | null>(null);

	return (
		<>
			<PageTitle>Notifications</PageTitle>
			<FilterForm path="/notifications" label="Filter notifications">
				<label>
					Status
					<select name="status">
						<option value="">Any</option>
						{["pending", "sent", "failed"].map(s => (
							<option key={s} value={s} selected={s === f.status}>
								{s}
							</option>
						))}
					</select>
				</label>
				<label>
					Template
					<input type="text" name="template" defaultValue={f.template} />
				</label>
				<label>
					Recipient
					<input type="email" name="recipient" defaultValue={f.recipient} />
				</label>
				<label>
					Order or product id
					<input type="text" name="relatedId" defaultValue={f.relatedId} spellcheck={false} />
				</label>
			</FilterForm>
			<ErrorNote message={list.error} />
			<Loading when={list.loading && !list.data} />
			{list.data ? (
				<>
					<TableFrame label="Notifications">
						<table>
							<thead>
								<tr>
									<th scope="col">Created</th>
									<th scope="col">Recipient</th>
									<th scope="col">Template</th>
									<th scope="col">Status</th>
									<th scope="col">Attempts</th>
									<th scope="col">Last error</th>
									<th scope="col">Message</th>
								</tr>
							</thead>
							<tbody>
								{list.data.items.map(n => (
									<Fragment key={n.id}>
										<tr class={n.status === "failed" ? "warn" : undefined}>
											<td>{dateTime(n.createdAt)}</td>
											<td>{n.recipient}</td>
											<td>{n.template}</td>
											<td>
												<Status value={n.status} />
											</td>
											<td>{n.attempts}</td>
											<td>{n.lastError ?? ""}</td>
											<td>
												<button
													type="button"
													aria-expanded={open === n.id}
													onClick={() => setOpen(open === n.id ? null : n.id)}
												>
													{open === n.id ? "Hide" : "Show"}{" "}
													<span class="visually-hidden">message {n.subject}</span>
												</button>
											</td>
										</tr>
										{open === n.id ? (
											<tr>
												<td colSpan={7}>
													<p>
														<strong>{n.subject}</strong>
														{n.sentAt ? ` sent ${dateTime(n.sentAt)}` : ""}
														{n.relatedId ? (
															<>
																{" "}
																<Link href={href(`/orders/${n.relatedId}`)}>Related order</Link>
															</>
														) : null}
													</p>
													<pre class="mail">{n.body ?? ""}</pre>
												</td>
											</tr>
										) : null}
									</Fragment>
								))}
							</tbody>
						</table>
					</TableFrame>
					{list.data.items.length === 0 ? <p>No notification matches.</p> : null}
					<Pager
						page={page}
						pageSize={PAGE_SIZE}
						total={list.data.total}
						go={p => navigate(href("/notifications", { ...f, page: p }))}
					/>
				</>
			) : null}
		</>
	);
}
