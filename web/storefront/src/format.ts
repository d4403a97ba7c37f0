/** Money and dates as the customer's browser writes them. */
const money = new Map<string, Intl.NumberFormat>();

export function formatMoney(amount: number, currency: string | null | undefined): string {
	const c = currency || "EUR";
	let f = money.get(c);
	if (!f) money.set(c, (f = new Intl.NumberFormat(undefined, { style: "currency", currency: c })));
	return f.format(amount);
}

export function formatDate(iso: string): string {
	return new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}
