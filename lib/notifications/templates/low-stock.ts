/** To ADMIN_EMAIL and every admin: a product crossed its low-stock threshold. */
import { SHOP_NAME, escapeHtml, page, type RenderedMail } from "./layout";

export interface LowStockMailData {
	productId: string;
	productName?: string;
	available: number;
	lowStockThreshold: number;
}

export function lowStock(d: LowStockMailData): RenderedMail {
	const product = d.productName ?? d.productId;
	const subject = `Low stock: ${product} (${d.available} left)`;
	const lines = [
		`${product} is running low: ${d.available} available, threshold ${d.lowStockThreshold}.`,
		`Product id: ${d.productId}`,
		"Restock it with PATCH /api/v1/products/{id}/stock."
	];
	const text = ["Hello,", "", ...lines, "", `-- ${SHOP_NAME}`].join("\n");
	const html = page(subject, `<p>Hello,</p>${lines.map(l => `<p>${escapeHtml(l)}</p>`).join("")}`);
	return { subject, text, html };
}
