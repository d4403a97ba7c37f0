/**
 * What every mail shares: the greeting, the order summary (lines, total, address) and the HTML page
 * around it. Each template file only says what is particular to its message.
 */

export interface RenderedMail {
	subject: string;
	text: string;
	html: string;
}

export interface OrderLine {
	name: string;
	quantity: number;
	subtotal: number;
}

export interface Address {
	line1: string;
	line2?: string;
	city: string;
	postalCode: string;
	country: string;
	name?: string;
}

/** What the customer templates know about an order (event data, completed from the order when it can be read). */
export interface OrderMailData {
	orderId: string;
	customerName?: string;
	total: number;
	currency: string;
	items?: OrderLine[];
	shippingAddress?: Address;
	cancelReason?: string;
}

export const SHOP_NAME = "Moleculer Shop";

export function escapeHtml(s: string): string {
	return s.replace(/[&<>"']/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/** 75 EUR -> "75.00 EUR". */
export function money(amount: number, currency: string): string {
	return `${amount.toFixed(2)} ${currency}`;
}

/** The short order number shown to customers: the first 8 characters of the id. */
export function orderNumber(orderId: string): string {
	return orderId.slice(0, 8).toUpperCase();
}

function addressLines(a: Address): string[] {
	return [a.name, a.line1, a.line2, `${a.postalCode} ${a.city}`, a.country].filter((l): l is string => !!l);
}

function summaryText(o: OrderMailData): string[] {
	const lines: string[] = [`Order ${orderNumber(o.orderId)} (${o.orderId})`];
	for (const l of o.items ?? []) lines.push(`  ${l.quantity} x ${l.name}: ${money(l.subtotal, o.currency)}`);
	lines.push(`Total: ${money(o.total, o.currency)}`);
	if (o.shippingAddress) lines.push("", "Shipping to:", ...addressLines(o.shippingAddress).map(l => `  ${l}`));
	return lines;
}

function summaryHtml(o: OrderMailData): string {
	const rows = (o.items ?? [])
		.map(
			l =>
				`<tr><td>${l.quantity} &times; ${escapeHtml(l.name)}</td><td style="text-align:right">${escapeHtml(money(l.subtotal, o.currency))}</td></tr>`
		)
		.join("");
	const address = o.shippingAddress
		? `<p><strong>Shipping to</strong><br>${addressLines(o.shippingAddress).map(escapeHtml).join("<br>")}</p>`
		: "";
	return (
		`<p>Order <strong>${escapeHtml(orderNumber(o.orderId))}</strong> <small>(${escapeHtml(o.orderId)})</small></p>` +
		`<table style="border-collapse:collapse;min-width:280px">${rows}` +
		`<tr><td><strong>Total</strong></td><td style="text-align:right"><strong>${escapeHtml(money(o.total, o.currency))}</strong></td></tr></table>` +
		address
	);
}

export function page(title: string, bodyHtml: string): string {
	return (
		`<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>` +
		`<body style="font-family:Arial,sans-serif;color:#222;line-height:1.5">${bodyHtml}` +
		`<p style="color:#888;font-size:12px">${escapeHtml(SHOP_NAME)}</p></body></html>`
	);
}

/** A customer mail about an order: greeting, one or two paragraphs, the order summary. */
export function orderMail(o: OrderMailData, subject: string, paragraphs: string[]): RenderedMail {
	const greeting = o.customerName ? `Hello ${o.customerName},` : "Hello,";
	const text = [greeting, "", ...paragraphs.flatMap(p => [p, ""]), ...summaryText(o), "", `-- ${SHOP_NAME}`].join("\n");
	const html = page(subject, `<p>${escapeHtml(greeting)}</p>${paragraphs.map(p => `<p>${escapeHtml(p)}</p>`).join("")}${summaryHtml(o)}`);
	return { subject, text, html };
}
