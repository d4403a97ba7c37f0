/**
 * One order: items, address, status history, payment and shipment, followed live; an admin moves
 * its status, refunds its payment, ships and delivers its shipment.
 */
import { useState } from "preact/hooks";
import type { Page } from "../../../shared/api";
import { api } from "../api";
import { ErrorNote, Loading, PageTitle, Status, TableFrame } from "../components/ui";
import { dateTime, money, shortId } from "../format";
import { useLiveReload } from "../live";
import { errorText, useLoad } from "../load";
import { Link } from "../router";
import { href } from "../routes";
import { NEXT_STATUSES, type Order, type Payment, type Shipment } from "../types";

interface OrderView {
	order: Order;
	payments: Payment[];
	shipments: Shipment[];
}

async function loadOrder(id: string, signal: AbortSignal): Promise<OrderView> {
	const q = encodeURIComponent(id);
	const [order, payments, shipments] = await Promise.all([
		api.get<Order>(`/v1/orders/${q}`, { signal }),
		api.get<Page<Payment>>(`/v1/payments?orderId=${q}`, { signal }),
		api.get<Page<Shipment>>(`/v1/shipments?orderId=${q}`, { signal })
	]);
	return { order, payments: payments.items, shipments: shipments.items };
}

export function OrderPage({ id }: { id: string }) {
	const view = useLoad(signal => loadOrder(id, signal), [id]);
	useLiveReload(e => (e.data as { orderId?: unknown }).orderId === id, view.reload, 200);
	const [busy, setBusy] = useState(false);
	const [error, setError] = useState<string | null>(null);
	const [done, setDone] = useState<string | null>(null);

	async function act(label: string, fn: () => Promise<unknown>) {
		setBusy(true);
		setError(null);
		setDone(null);
		try {
			await fn();
			setDone(label);
			view.reload();
		} catch (err) {
			setError(errorText(err));
		} finally {
			setBusy(false);
		}
	}

	if (!view.data) {
		return (
			<>
				<PageTitle>Order {shortId(id)}</PageTitle>
				<ErrorNote message={view.error} />
				<Loading when={view.loading} />
			</>
		);
	}
	const { order, payments, shipments } = view.data;
	const next = NEXT_STATUSES[order.status];

	function changeStatus(e: Event) {
		e.preventDefault();
		const data = new FormData(e.currentTarget as HTMLFormElement);
		const status = String(data.get("status"));
		const reason = String(data.get("reason") ?? "").trim();
		void act(`Order moved to ${status}.`, () => api.put(`/v1/orders/${order.id}/status`, { status, ...(reason ? { reason } : {}) }));
	}

	return (
		<>
			<PageTitle>Order {shortId(order.id)}</PageTitle>
			<p>
				<Link href={href("/orders")}>All orders</Link>
			</p>
			<dl class="facts">
				<div>
					<dt>Status</dt>
					<dd data-testid="order-status">
						<Status value={order.status} />
						{order.cancelReason ? ` (${order.cancelReason.replace(/_/g, " ")})` : ""}
					</dd>
				</div>
				<div>
					<dt>Total</dt>
					<dd>{money(order.total, order.currency)}</dd>
				</div>
				<div>
					<dt>Placed</dt>
					<dd>{dateTime(order.createdAt)}</dd>
				</div>
				<div>
					<dt>Customer</dt>
					<dd>
						<Link href={href("/orders", { userId: order.userId })}>{order.userId}</Link>
					</dd>
				</div>
				<div>
					<dt>Ship to</dt>
					<dd>
						{[
							order.shippingAddress.name,
							order.shippingAddress.line1,
							order.shippingAddress.line2,
							`${order.shippingAddress.postalCode} ${order.shippingAddress.city}`,
							order.shippingAddress.country
						]
							.filter(Boolean)
							.join(", ")}
					</dd>
				</div>
				<div>
					<dt>Order id</dt>
					<dd>{order.id}</dd>
				</div>
			</dl>

			<section aria-labelledby="actions-title" class="panel">
				<h2 id="actions-title">Actions</h2>
				{next.length ? (
					<form class="row" onSubmit={changeStatus}>
						<div class="field">
							<label for="new-status">New status</label>
							<select id="new-status" name="status">
								{next.map(s => (
									<option key={s} value={s}>
										{s}
									</option>
								))}
							</select>
						</div>
						<div class="field">
							<label for="status-reason">Reason (for a cancellation)</label>
							<input id="status-reason" name="reason" maxLength={200} />
						</div>
						<button type="submit" disabled={busy}>
							Change status
						</button>
					</form>
				) : (
					<p>A {order.status} order cannot change status any more.</p>
				)}
				<ErrorNote message={error} />
				{done ? (
					<p class="note ok" role="status">
						{done}
					</p>
				) : null}
			</section>

			<section aria-labelledby="items-title">
				<h2 id="items-title">Items</h2>
				<TableFrame label="Items">
					<table>
						<thead>
							<tr>
								<th scope="col">Product</th>
								<th scope="col">Price</th>
								<th scope="col">Quantity</th>
								<th scope="col">Subtotal</th>
							</tr>
						</thead>
						<tbody>
							{order.items.map(i => (
								<tr key={i.productId}>
									<td>
										<Link href={href(`/products/${i.productId}`)}>{i.name}</Link>
									</td>
									<td>{money(i.price, order.currency)}</td>
									<td>{i.quantity}</td>
									<td>{money(i.subtotal, order.currency)}</td>
								</tr>
							))}
						</tbody>
					</table>
				</TableFrame>
			</section>

			<section aria-labelledby="history-title">
				<h2 id="history-title">Status history</h2>
				<ol class="timeline" data-testid="status-history">
					{order.statusHistory.map((h, i) => (
						<li key={i}>
							<Status value={h.status} /> <time dateTime={h.at}>{dateTime(h.at)}</time>
							{h.by ? <span class="muted"> by {h.by}</span> : null}
							{h.note ? <span>: {h.note}</span> : null}
						</li>
					))}
				</ol>
			</section>

			<section aria-labelledby="payment-title">
				<h2 id="payment-title">Payment</h2>
				{payments.length === 0 ? <p>No payment yet.</p> : null}
				{payments.map(p => (
					<div key={p.id} class="panel">
						<p>
							<Status value={p.status} /> {money(p.amount, p.currency)} by {p.brand ?? "card"} ending {p.last4 ?? "????"},{" "}
							{p.attempts} attempt{p.attempts === 1 ? "" : "s"}, updated {dateTime(p.updatedAt)}
							{p.failureReason ? `; ${p.failureReason.replace(/_/g, " ")}` : ""}
						</p>
						{p.status === "succeeded" ? (
							<button
								type="button"
								class="danger"
								disabled={busy}
								onClick={() => void act("Payment refunded.", () => api.post(`/v1/payments/${p.id}/refund`))}
							>
								Refund {money(p.amount, p.currency)}
							</button>
						) : null}
					</div>
				))}
			</section>

			<section aria-labelledby="shipment-title">
				<h2 id="shipment-title">Shipment</h2>
				{shipments.length === 0 ? <p>No shipment yet (one is created when the order is paid).</p> : null}
				{shipments.map(s => (
					<div key={s.id} class="panel">
						<p data-testid="shipment-status">
							<Status value={s.status} /> {s.carrier} {s.trackingNumber}, updated {dateTime(s.updatedAt)}
						</p>
						{s.status === "pending" ? (
							<button
								type="button"
								class="primary"
								disabled={busy}
								onClick={() =>
									void act("Shipment shipped.", () => api.put(`/v1/shipments/${s.id}/status`, { status: "shipped" }))
								}
							>
								Mark shipped
							</button>
						) : null}
						{s.status === "shipped" ? (
							<button
								type="button"
								class="primary"
								disabled={busy}
								onClick={() =>
									void act("Shipment delivered.", () => api.put(`/v1/shipments/${s.id}/status`, { status: "delivered" }))
								}
							>
								Mark delivered
							</button>
						) : null}
					</div>
				))}
			</section>
		</>
	);
}
