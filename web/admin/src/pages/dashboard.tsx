/**
 * The dashboard: today's orders and revenue, orders per status, low stock, failed notifications,
 * the brokers' backlog and the cluster's nodes; reloaded on live events and every 30 s.
 */
import type { ComponentChildren } from "preact";
import { useEffect } from "preact/hooks";
import type { Page } from "../../../shared/api";
import { api } from "../api";
import { ErrorNote, PageTitle, Status, TableFrame } from "../components/ui";
import { dateTime, money, startOfToday } from "../format";
import { useLiveReload } from "../live";
import { errorText, useLoad } from "../load";
import { loadProductNames, productName } from "../product-names";
import { Link } from "../router";
import { href } from "../routes";
import { parseBrokerBacklog, revenueByCurrency, type BrokerBacklog } from "../stats";
import { ORDER_STATUSES, type Health, type InventoryItem, type Notification, type Order, type OrderStatus } from "../types";

const REFRESH_MS = 30_000;
/** A reload reads about a dozen routes: at most one per this delay however busy the shop, well under RATE_LIMIT_USER_MAX. */
const LIVE_RELOAD_MS = 2_000;
/** Today's orders are summed from at most this many pages of 100. */
const MAX_TODAY_PAGES = 10;

type Section<T> = { ok: true; value: T } | { ok: false; error: string };

interface DashboardData {
	today: Section<{ count: number; summed: number; revenue: Array<{ currency: string; amount: number }> }>;
	byStatus: Section<Record<OrderStatus, number>>;
	lowStock: Section<Page<InventoryItem>>;
	failed: Section<Page<Notification>>;
	brokers: Section<BrokerBacklog | null>;
	health: Section<Health>;
}

async function section<T>(p: Promise<T>): Promise<Section<T>> {
	try {
		return { ok: true, value: await p };
	} catch (err) {
		return { ok: false, error: errorText(err) };
	}
}

async function today(signal: AbortSignal) {
	const from = encodeURIComponent(startOfToday());
	const orders: Order[] = [];
	let count = 0;
	for (let page = 1; page <= MAX_TODAY_PAGES; page++) {
		const res = await api.get<Page<Order>>(`/v1/orders?from=${from}&pageSize=100&page=${page}`, { signal });
		count = res.total;
		orders.push(...res.items);
		if (orders.length >= res.total || !res.items.length) break;
	}
	return { count, summed: orders.length, revenue: revenueByCurrency(orders) };
}

async function byStatus(signal: AbortSignal) {
	const totals = await Promise.all(
		ORDER_STATUSES.map(s => api.get<Page<Order>>(`/v1/orders?status=${s}&pageSize=1`, { signal }).then(r => r.total))
	);
	return Object.fromEntries(ORDER_STATUSES.map((s, i) => [s, totals[i]])) as Record<OrderStatus, number>;
}

async function lowStock(signal: AbortSignal) {
	const page = await api.get<Page<InventoryItem>>("/v1/inventory?lowStock=true&pageSize=10", { signal });
	await loadProductNames(page.items.map(i => i.productId));
	return page;
}

/** The gateway node's Prometheus text; null when the operators protect it with METRICS_TOKEN. */
async function brokers(signal: AbortSignal): Promise<BrokerBacklog | null> {
	const res = await fetch("/api/v1/metrics", { signal, headers: { accept: "text/plain" } });
	if (res.status === 401) return null;
	if (!res.ok) throw new Error(`GET /metrics answered ${res.status}`);
	return parseBrokerBacklog(await res.text());
}

async function loadDashboard(signal: AbortSignal): Promise<DashboardData> {
	const [t, s, l, f, b, h] = await Promise.all([
		section(today(signal)),
		section(byStatus(signal)),
		section(lowStock(signal)),
		section(api.get<Page<Notification>>("/v1/notifications?status=failed&pageSize=5", { signal })),
		section(brokers(signal)),
		section(api.get<Health>("/v1/health", { signal, auth: false }))
	]);
	return { today: t, byStatus: s, lowStock: l, failed: f, brokers: b, health: h };
}

function Card<T>({ title, data, children }: { title: string; data: Section<T> | undefined; children: (value: T) => ComponentChildren }) {
	const id = `card-${title.toLowerCase().replace(/\W+/g, "-")}`;
	return (
		<section class="card" aria-labelledby={id}>
			<h2 id={id}>{title}</h2>
			{!data ? <p class="muted">Loading…</p> : data.ok ? children(data.value) : <ErrorNote message={data.error} />}
		</section>
	);
}

export function DashboardPage() {
	const { data, reload } = useLoad(loadDashboard, []);
	useLiveReload(e => /^(order|payment|shipment)\.|^inventory\.low_stock$|^product\.unavailable$/.test(e.event), reload, LIVE_RELOAD_MS);
	useEffect(() => {
		const t = setInterval(reload, REFRESH_MS);
		return () => clearInterval(t);
	}, [reload]);

	return (
		<>
			<PageTitle>Dashboard</PageTitle>
			<div class="cards">
				<Card title="Today" data={data?.today}>
					{t => (
						<dl class="figures">
							<div>
								<dt>Orders today</dt>
								<dd data-testid="orders-today">{t.count}</dd>
							</div>
							<div>
								<dt>Revenue today</dt>
								<dd data-testid="revenue-today">
									{t.revenue.length
										? t.revenue.map(r => <span key={r.currency}>{money(r.amount, r.currency)}</span>)
										: money(0, "EUR")}
									{t.summed < t.count ? <small> (first {t.summed} orders)</small> : null}
								</dd>
							</div>
						</dl>
					)}
				</Card>
				<Card title="Orders per status" data={data?.byStatus}>
					{counts => (
						<ul class="status-counts">
							{ORDER_STATUSES.map(s => (
								<li key={s}>
									<Link href={href("/orders", { status: s })}>
										<Status value={s} /> <strong data-testid={`status-${s}`}>{counts[s]}</strong>
									</Link>
								</li>
							))}
						</ul>
					)}
				</Card>
				<Card title="Low stock" data={data?.lowStock}>
					{page =>
						page.total === 0 ? (
							<p>No item is at or below its threshold.</p>
						) : (
							<>
								<ul>
									{page.items.map(i => (
										<li key={i.id}>
											<Link href={href(`/products/${i.productId}`)}>{productName(i.productId) ?? i.productId}</Link>:{" "}
											{i.available} available (threshold {i.lowStockThreshold})
										</li>
									))}
								</ul>
								<p>
									<Link href={href("/inventory", { lowStock: 1 })}>All low-stock items ({page.total})</Link>
								</p>
							</>
						)
					}
				</Card>
				<Card title="Failed notifications" data={data?.failed}>
					{page => (
						<>
							<p>
								<strong data-testid="failed-notifications">{page.total}</strong> failed{" "}
								<Link href={href("/notifications", { status: "failed" })}>(see them)</Link>
							</p>
							<ul>
								{page.items.map(n => (
									<li key={n.id}>
										{n.template} to {n.recipient}: {n.lastError ?? "no error recorded"}
									</li>
								))}
							</ul>
						</>
					)}
				</Card>
				<Card title="Queues" data={data?.brokers}>
					{b =>
						b === null ? (
							<p>The gateway's metrics need METRICS_TOKEN here, so the queue depths cannot be shown.</p>
						) : b.queues.length === 0 && b.kafka.length === 0 ? (
							<p>
								No message broker reports to this gateway node (RabbitMQ and Kafka are not configured here); orders go over
								the Moleculer bus.
							</p>
						) : (
							<TableFrame label="Queue depths">
								<table>
									<thead>
										<tr>
											<th scope="col">Queue or topic</th>
											<th scope="col">Kind</th>
											<th scope="col">Messages</th>
										</tr>
									</thead>
									<tbody>
										{b.queues.map(q => (
											<tr
												key={q.queue + q.kind}
												class={q.kind === "dead_letter" && q.messages > 0 ? "warn" : undefined}
											>
												<td>{q.queue}</td>
												<td>{q.kind.replace("_", "-")}</td>
												<td>{q.messages}</td>
											</tr>
										))}
										{b.kafka.map(k => (
											<tr key={k.topic + k.group}>
												<td>{k.topic}</td>
												<td>lag of {k.group}</td>
												<td>{k.lag}</td>
											</tr>
										))}
									</tbody>
								</table>
							</TableFrame>
						)
					}
				</Card>
				<Card title="Nodes and services" data={data?.health}>
					{h => (
						<>
							<p>
								Status <Status value={h.status} /> at {dateTime(h.time)}
								{h.missingServices.length ? `; no live node for ${h.missingServices.join(", ")}` : ""}
							</p>
							<TableFrame label="Nodes">
								<table>
									<thead>
										<tr>
											<th scope="col">Node</th>
											<th scope="col">Available</th>
											<th scope="col">Services</th>
										</tr>
									</thead>
									<tbody>
										{h.nodes.map(n => (
											<tr key={n.id}>
												<td>{n.id}</td>
												<td>{n.available ? "yes" : "no"}</td>
												<td>{[...n.services].sort().join(", ")}</td>
											</tr>
										))}
									</tbody>
								</table>
							</TableFrame>
						</>
					)}
				</Card>
			</div>
		</>
	);
}
