/** Customers (the admin list GET /api/customers), oldest first, each with a link to their orders. */
import type { Page } from "../../../shared/api";
import { api } from "../api";
import { ErrorNote, Loading, PageTitle, Pager, TableFrame } from "../components/ui";
import { dateTime } from "../format";
import { useLoad } from "../load";
import { Link, navigate } from "../router";
import { href, readPage } from "../routes";
import type { Customer } from "../types";

const PAGE_SIZE = 50;

export function CustomersPage({ query }: { query: URLSearchParams }) {
	const page = readPage(query);
	const list = useLoad(signal => api.get<Page<Customer>>(`/customers?page=${page}&pageSize=${PAGE_SIZE}`, { signal }), [page]);
	return (
		<>
			<PageTitle>Customers</PageTitle>
			<ErrorNote message={list.error} />
			<Loading when={list.loading && !list.data} />
			{list.data ? (
				<>
					<TableFrame label="Customers">
						<table>
							<thead>
								<tr>
									<th scope="col">Name</th>
									<th scope="col">Email</th>
									<th scope="col">Roles</th>
									<th scope="col">Registered</th>
									<th scope="col">Orders</th>
								</tr>
							</thead>
							<tbody>
								{list.data.items.map(c => (
									<tr key={c.id}>
										<td>{c.name}</td>
										<td>{c.email}</td>
										<td>{c.roles.join(", ")}</td>
										<td>{dateTime(c.createdAt)}</td>
										<td>
											<Link href={href("/orders", { userId: c.id })}>
												Orders <span class="visually-hidden">of {c.name}</span>
											</Link>
										</td>
									</tr>
								))}
							</tbody>
						</table>
					</TableFrame>
					<Pager page={page} pageSize={PAGE_SIZE} total={list.data.total} go={p => navigate(href("/customers", { page: p }))} />
				</>
			) : null}
		</>
	);
}
