/**
 * Every backoffice page in real Chromium, at 1280 px and at 390 px: no serious or critical axe-core
 * violation, nothing wider than the screen (tables scroll inside their frame), no console error.
 */
import { AxeBuilder } from "@axe-core/playwright";
import type { Page } from "playwright-core";
import { DESKTOP, PHONE, browserTest, describeWithChromium, useChromium } from "../helpers/browser";
import { client } from "../helpers/http";
import { waitFor } from "../helpers/processes";
import { startStack, type Stack } from "../helpers/stack";
import { ADDRESS, ADMIN, ADMIN_ENV, CARD, goTo, registerCustomer, signInAsAdmin } from "./admin-fixtures";

const describeE2E = describeWithChromium();

interface Finding {
	page: string;
	rule: string;
	impact: string | null | undefined;
	targets: string[];
}

async function scan(page: Page, label: string): Promise<Finding[]> {
	const result = await new AxeBuilder({ page }).analyze();
	return result.violations
		.filter(v => v.impact === "serious" || v.impact === "critical")
		.map(v => ({ page: label, rule: v.id, impact: v.impact, targets: v.nodes.map(n => n.target.join(" ")) }));
}

describeE2E("backoffice accessibility and layout (axe-core in Chromium)", () => {
	const chromium = useChromium(["admin"]);
	let stack: Stack;
	let productId: string;
	let orderId: string;
	let itemId: string;

	beforeAll(async () => {
		stack = await startStack({ env: ADMIN_ENV });
		const api = client(stack.baseUrl);
		const admin = (await api.post("/api/v1/auth/login", ADMIN)).body.accessToken;
		const product = await api.post(
			"/api/v1/products",
			{ name: "Axe Handle", price: 12.5, category: "Tools", sku: "AXE-1", stock: 6 },
			{ token: admin }
		);
		productId = product.body.id;
		await waitFor(
			"the product's inventory",
			async () => (await api.get(`/api/v1/inventory/check?productId=${productId}&quantity=1`)).status === 200
		);
		const customer = await registerCustomer(stack.baseUrl, "Ada Axe");
		const order = await api.post(
			"/api/v1/orders",
			{ items: [{ productId, quantity: 2 }], shippingAddress: ADDRESS, payment: CARD },
			{ token: customer.token }
		);
		orderId = order.body.id;
		await waitFor(
			"the order's shipment",
			async () => (await api.get(`/api/v1/shipments?orderId=${orderId}`, { token: admin })).body.total === 1
		);
		itemId = (await api.get("/api/v1/inventory", { token: admin })).body.items.find(
			(i: { productId: string }) => i.productId === productId
		).id;
	}, 60_000);
	afterAll(() => stack?.stop());

	for (const viewport of [DESKTOP, PHONE]) {
		browserTest(
			chromium,
			`every page at ${viewport.width} px: no serious or critical violation, no page wider than the screen`,
			async ({ page }) => {
				const findings: Finding[] = [];
				const tooWide: string[] = [];
				const check = async (label: string) => {
					findings.push(...(await scan(page, label)));
					const width = Number(await page.evaluate("document.documentElement.scrollWidth"));
					if (width > viewport.width) tooWide.push(`${label}: ${width} px`);
				};

				await page.goto(stack.baseUrl + "/admin/login");
				await page.getByRole("heading", { level: 1, name: "Sign in as admin" }).waitFor();
				await check("login");
				await signInAsAdmin(page, stack.baseUrl);
				await page.getByRole("region", { name: "Nodes and services" }).getByRole("table").waitFor();
				await check("dashboard");

				const pages: Array<[string, string, () => Promise<unknown>]> = [
					["products", "/admin/products", () => page.getByRole("link", { name: "Axe Handle" }).waitFor()],
					["new product", "/admin/products/new", () => page.getByLabel("Initial stock").waitFor()],
					["product", `/admin/products/${productId}`, () => page.getByTestId("available").getByText("Available: 4").waitFor()],
					["inventory", "/admin/inventory", () => page.getByRole("link", { name: "Axe Handle" }).waitFor()],
					[
						"inventory history",
						`/admin/inventory?item=${itemId}`,
						() => page.getByRole("heading", { name: "History of Axe Handle" }).waitFor()
					],
					["low stock", "/admin/inventory?lowStock=1", () => page.getByRole("checkbox", { name: "Low stock only" }).waitFor()],
					["orders", "/admin/orders", () => page.locator(`tr[data-order-id="${orderId}"]`).waitFor()],
					["order", `/admin/orders/${orderId}`, () => page.getByRole("button", { name: "Mark shipped" }).waitFor()],
					["shipments", "/admin/shipments", () => page.getByRole("button", { name: /^Ship/ }).waitFor()],
					["customers", "/admin/customers", () => page.getByRole("cell", { name: "Ada Axe", exact: true }).waitFor()],
					["notifications", "/admin/notifications", () => page.getByRole("cell", { name: "order_paid" }).first().waitFor()],
					["logs", "/admin/logs?level=info", () => page.getByTestId("log-lines").locator("tbody tr").first().waitFor()],
					["not found", "/admin/nowhere", () => page.getByRole("heading", { name: "Page not found" }).waitFor()]
				];
				for (const [label, path, ready] of pages) {
					await goTo(page, path);
					await ready();
					await check(label);
				}
				// An expanded message, with its body.
				await goTo(page, "/admin/notifications");
				await page.getByRole("button", { name: /^Show/ }).first().click();
				await page.locator("pre.mail").waitFor();
				await check("notification message");

				expect(findings).toEqual([]);
				expect(tooWide).toEqual([]);
			},
			{ viewport, timeoutMs: 90_000 }
		);
	}
});
