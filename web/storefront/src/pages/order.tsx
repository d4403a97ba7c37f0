/**
 * One order, its status following the order live: every order, payment and shipment event of this
 * order over /ws reloads it (and so does the connection coming back, for what it missed). Without
 * a live connection it is asked again every few seconds until it settles.
 */
import { useCallback, useEffect, useState } from "preact/hooks";
import { ApiError, type Page } from "../../../shared/api";
import type { LiveEvent } from "../../../shared/ws";
import { addressLine } from "../address";
import { addToCart } from "../cart";
import { Notice } from "../components/forms";
import { formatDate, formatMoney } from "../format";
import { CANCEL_REASONS, STATUS_LABELS, cancellable, paymentFailureMessage } from "../messages";
import { Link, navigate } from "../router";
import { api, useLive } from "../session";

const POLL_MS = 3000;

export interface Order {
	id: string;
	status: string;
	cancelReason?: string;
	items: Array<{ productId: string; name: string; price: number; quantity: number; subtotal: number }>;
	total: number;
	currency: string;
	shippingAddress: { name?: string | null; line1: string; line2?: string | null; city: string; postalCode: string; country: string };
	payment?: { status: string; brand?: string; last4?: string };
	statusHistory: Array<{ status: string; at: string; note?: string }>;
	createdAt: string;
}

interface Payment {
	id: string;
	status: string;
	amount: number;
	currency: string;
	failureReason?: string;
	brand?: string;
	last4?: string;
}

const SETTLED = new Set(["paid", "shipped", "delivered", "cancelled"]);

export function OrderPage({ id }: { id: string }) {
	const [order, setOrder] = useState<Order | null>(null);
	const [payment, setPayment] = useState<Payment | null>(null);
	const [missing, setMissing] = useState(false);
	const [error, setError] = useState<string | null>(null);
	const [confirming, setConfirming] = useState(false);
	const [busy, setBusy] = useState(false);

	const reload = useCallback(async () => {
		try {
			const [o, p] = await Promise.all([
				api.get<Order>(`/orders/${encodeURIComponent(id)}`),
				api.get<Page<Payment>>(`/payments?orderId=${encodeURIComponent(id)}`).catch(() => null)
			]);
			setOrder(o);
			setPayment(p?.items[0] ?? null);
		} catch (err) {
			if (err instanceof ApiError && err.status === 404) setMissing(true);
			else setError((err as Error).message);
		}
	}, [id]);

	const onEvent = useCallback(
		(e: LiveEvent) => {
			if (e.data.orderId === id || e.subject === id) void reload();
		},
		[id, reload]
	);
	const live = useLive(onEvent);

	useEffect(() => {
		void reload();
	}, [reload, live]);

	// Without the live connection, ask until the order settles.
	useEffect(() => {
		if (live === "live" || !order || SETTLED.has(order.status)) return;
		const timer = setInterval(() => void reload(), POLL_MS);
		return () => clearInterval(timer);
	}, [live, order?.status, reload]);

	if (missing)
		return (
			<>
				<h1>Order not found</h1>
				<p>
					There is no such order in your account. <Link href="/orders">Your orders</Link>
				</p>
			</>
		);
	if (!order) return error ? <Notice kind="error">{error}</Notice> : <p aria-live="polite">Loading…</p>;

	const cancel = async () => {
		setBusy(true);
		setError(null);
		try {
			setOrder(await api.del<Order>(`/orders/${encodeURIComponent(id)}`));
			setConfirming(false);
			void reload();
		} catch (err) {
			setError((err as Error).message);
		} finally {
			setBusy(false);
		}
	};

	const restore = async () => {
		setError(null);
		try {
			for (const item of order.items)
				await addToCart({ id: item.productId, name: item.name, price: item.price, currency: order.currency }, item.quantity);
			navigate("/checkout");
		} catch (err) {
			setError((err as Error).message);
		}
	};

	const paymentFailed = order.status === "cancelled" && order.cancelReason === "payment_failed";
	const outOfStock = order.status === "cancelled" && order.cancelReason === "out_of_stock";
	const refunded = (payment?.status ?? order.payment?.status) === "refunded";

	return (
		<>
			<p>
				<Link href="/orders">← Your orders</Link>
			</p>
			<h1>Order {order.id.slice(-8).toUpperCase()}</h1>
			<p class="muted">Placed {formatDate(order.createdAt)}</p>
			<div role="status" aria-live="polite" class="order-status">
				<p>
					Status:{" "}
					<strong class={`badge badge-${order.status}`} data-testid="order-status">
						{STATUS_LABELS[order.status] ?? order.status}
					</strong>
				</p>
				{order.status === "pending" && <p>We are reserving your items and taking the payment…</p>}
				{order.status === "confirmed" && <p>Your items are reserved; the payment is being taken…</p>}
				{paymentFailed && <p class="problem">{paymentFailureMessage(payment?.failureReason)}</p>}
				{outOfStock && <p class="problem">Sorry, out of stock: {CANCEL_REASONS.out_of_stock}</p>}
				{order.status === "cancelled" && !paymentFailed && !outOfStock && order.cancelReason && (
					<p>{CANCEL_REASONS[order.cancelReason]}</p>
				)}
				{refunded && payment && (
					<p class="refund" data-testid="refund">
						Refunded: {formatMoney(payment.amount, payment.currency)} back to your card
						{payment.brand ? ` (${payment.brand} ending ${payment.last4})` : ""}.
					</p>
				)}
			</div>
			{error && <Notice kind="error">{error}</Notice>}

			{(paymentFailed || outOfStock) && (
				<button type="button" onClick={restore}>
					Put these items back in my cart and try again
				</button>
			)}

			{cancellable(order.status) &&
				(confirming ? (
					<div class="confirm" role="group" aria-label="Cancel this order?">
						<p>Cancel this order? {order.status === "paid" ? "The payment will be refunded." : ""}</p>
						<button type="button" class="danger" onClick={cancel} disabled={busy}>
							Yes, cancel the order
						</button>{" "}
						<button type="button" class="secondary" onClick={() => setConfirming(false)}>
							Keep it
						</button>
					</div>
				) : (
					<button type="button" class="secondary" onClick={() => setConfirming(true)}>
						Cancel order
					</button>
				))}

			<h2>Items</h2>
			<ul class="lines">
				{order.items.map(i => (
					<li key={i.productId} class="line">
						<span class="line-name">
							{i.quantity} × {i.name}
						</span>
						<span class="price">{formatMoney(i.subtotal, order.currency)}</span>
					</li>
				))}
			</ul>
			<p class="total">
				Total: <strong>{formatMoney(order.total, order.currency)}</strong>
			</p>

			<h2>Shipping to</h2>
			<p>{addressLine(order.shippingAddress)}</p>

			{(payment || order.payment) && (
				<>
					<h2>Payment</h2>
					<p>
						{(payment?.brand ?? order.payment?.brand ?? "Card").toUpperCase()} ending {payment?.last4 ?? order.payment?.last4}:{" "}
						{payment?.status ?? order.payment?.status}
					</p>
				</>
			)}

			<h2>History</h2>
			<ol class="history">
				{order.statusHistory.map((h, i) => (
					<li key={i}>
						<strong>{STATUS_LABELS[h.status] ?? h.status}</strong> <time dateTime={h.at}>{formatDate(h.at)}</time>
						{h.note ? ` (${h.note.replace(/_/g, " ")})` : ""}
					</li>
				))}
			</ol>
		</>
	);
}
