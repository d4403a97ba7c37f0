/**
 * The logs of every node (GET /logs): filters by level, service, text and request id. A request id
 * is a link to that request's lines from every service, oldest first to read as a story.
 */
import type { Page } from "../../../shared/api";
import { api } from "../api";
import { FilterForm } from "../components/filters";
import { ErrorNote, Loading, PageTitle, Pager, TableFrame } from "../components/ui";
import { useLoad } from "../load";
import { Link, navigate } from "../router";
import { href, readFilters, readPage } from "../routes";
import type { LogLine } from "../types";

const PAGE_SIZE = 50;
const LEVELS = ["fatal", "error", "warn", "info", "debug", "trace"];
const FILTERS = ["level", "service", "q", "requestId"] as const;

function time(iso: string): string {
	const d = new Date(iso);
	return Number.isNaN(d.getTime()) ? iso : d.toISOString().replace("T", " ").slice(0, 23);
}

export function LogsPage({ query }: { query: URLSearchParams }) {
	const f = readFilters(query, FILTERS);
	const page = readPage(query);
	const qs = new URLSearchParams({ page: String(page), pageSize: String(PAGE_SIZE) });
	for (const k of FILTERS) if (f[k]) qs.set(k, f[k]);
	const list = useLoad(signal => api.get<Page<LogLine>>(`/v1/logs?${qs}`, { signal }), [qs.toString()]);
	// One request's lines read best in the order they happened.
	const lines = f.requestId && list.data ? [...list.data.items].reverse() : (list.data?.items ?? []);

	return (
		<>
			<PageTitle>Logs</PageTitle>
			<FilterForm path="/logs" label="Filter logs">
				<label>
					Level (and more severe)
					<select name="level">
						<option value="">Any</option>
						{LEVELS.map(l => (
							<option key={l} value={l} selected={l === f.level}>
								{l}
							</option>
						))}
					</select>
				</label>
				<label>
					Service
					<input type="text" name="service" defaultValue={f.service} />
				</label>
				<label>
					Text
					<input type="search" name="q" defaultValue={f.q} />
				</label>
				<label>
					Request id
					<input type="text" name="requestId" defaultValue={f.requestId} spellcheck={false} />
				</label>
			</FilterForm>
			{f.requestId ? (
				<p class="note" role="status">
					The lines of request <code>{f.requestId}</code> from every service, oldest first.{" "}
					<Link href={href("/logs")}>All lines</Link>
				</p>
			) : null}
			<ErrorNote message={list.error} />
			<Loading when={list.loading && !list.data} />
			{list.data ? (
				<>
					<TableFrame label="Log lines">
						<table class="logs" data-testid="log-lines">
							<thead>
								<tr>
									<th scope="col">Time (UTC)</th>
									<th scope="col">Level</th>
									<th scope="col">Node</th>
									<th scope="col">Service</th>
									<th scope="col">Message</th>
									<th scope="col">Request</th>
								</tr>
							</thead>
							<tbody>
								{lines.map(l => (
									<tr key={l.id} class={`level-${l.level}`}>
										<td>{time(l.time)}</td>
										<td>{l.level}</td>
										<td>{l.node}</td>
										<td>{l.service}</td>
										<td class="message">{l.message}</td>
										<td>
											{l.requestId ? (
												<Link
													href={href("/logs", { requestId: l.requestId })}
													aria-label={`Lines of request ${l.requestId}`}
												>
													{l.requestId}
												</Link>
											) : null}
										</td>
									</tr>
								))}
							</tbody>
						</table>
					</TableFrame>
					{list.data.items.length === 0 ? <p>No line matches.</p> : null}
					<Pager page={page} pageSize={PAGE_SIZE} total={list.data.total} go={p => navigate(href("/logs", { ...f, page: p }))} />
				</>
			) : null}
		</>
	);
}
