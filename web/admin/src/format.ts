/** How the backoffice writes amounts, dates and ids. */

export function money(amount: number, currency: string): string {
	try {
		return new Intl.NumberFormat("en", { style: "currency", currency }).format(amount);
	} catch {
		return `${amount.toFixed(2)} ${currency}`;
	}
}

export function dateTime(iso: string | null | undefined): string {
	if (!iso) return "";
	const d = new Date(iso);
	return Number.isNaN(d.getTime()) ? iso : d.toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "medium" });
}

/** The first block of a UUID, upper case, as the shop's mails write order numbers. */
export function shortId(id: string): string {
	return id.split("-")[0].toUpperCase();
}

/** Midnight today in the browser's time zone, as an ISO string. */
export function startOfToday(now = new Date()): string {
	const d = new Date(now);
	d.setHours(0, 0, 0, 0);
	return d.toISOString();
}

/** The first instant of a `YYYY-MM-DD` day in the browser's time zone (ISO), or undefined for anything else. */
export function dayStart(day: string): string | undefined {
	const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
	if (!m) return undefined;
	const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
	return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

/** The last millisecond of a `YYYY-MM-DD` day in the browser's time zone (ISO), or undefined. */
export function dayEnd(day: string): string | undefined {
	const start = dayStart(day);
	if (!start) return undefined;
	const d = new Date(start);
	d.setDate(d.getDate() + 1);
	return new Date(d.getTime() - 1).toISOString();
}
