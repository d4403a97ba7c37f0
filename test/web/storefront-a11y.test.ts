/**
 * Every storefront page in real Chromium, at 390 px and 1280 px: an axe-core scan with no serious
 * or critical violation, nothing wider than the window, and the keyboard reaching what matters
 * (skip link, adding to the cart, the order form).
 */
import AxeBuilder from "@axe-core/playwright";
import type { Page } from "playwright-core";
import { DESKTOP, PHONE, browserTest, describeWithChromium, useChromium } from "../helpers/browser";
import { startStack, type Stack } from "../helpers/stack";
import { ADMIN, placeOrder, registerCustomer, seedShop, type Shop } from "./storefront-fixtures";

jest.setTimeout(120_000);

async function seriousViolations(page: Page): Promise<string[]> {
	const result = await new AxeBuilder({ page }).analyze();
	return result.violations
		.filter(v => v.impact === "serious" || v.impact === "critical")
		.map(v => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map(n => n.target.join(" ")).join(", ")}`);
}

const describeE2E = describeWithChromium();

describeE2E("storefront accessibility and layout in Chromium", () => {
	const chromium = useChromium(["storefront"]);
	let stack: Stack;
	let shop: Shop;
	let customer: { email: string; password: string; token: string };
	let orderId: string;

	beforeAll(async () => {
		stack = await startStack({ env: { ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password } });
		shop = await seedShop(stack.baseUrl);
		customer = await registerCustomer(shop, "Axe Alex");
		orderId = (await placeOrder(shop, customer.token, "Kite")).id;
	}, 60_000);
	afterAll(() => stack?.stop());

	/** Visits every page, signed out then signed in, and checks each; the failures of all pages at once. */
	async function everyPage(page: Page, width: number, axe: boolean) {
		const problems: string[] = [];
		const scan = async (where: string) => {
			if (axe) for (const v of await seriousViolations(page)) problems.push(`${where}: ${v}`);
		};
		const check = async (path: string, ready: string, loaded?: string) => {
			await page.goto(stack.baseUrl + path);
			await page.getByRole("heading", { level: 1, name: ready }).waitFor();
			if (loaded) await page.getByText(loaded, { exact: true }).first().waitFor();
			await scan(path);
			const scrollWidth = await page.evaluate<number>("document.documentElement.scrollWidth");
			if (scrollWidth > width) problems.push(`${path}: ${scrollWidth} px wide in a ${width} px window`);
		};
		const kite = shop.products.get("Kite")!;
		await check("/", "Catalog");
		await check("/?q=kite&category=Toys+%26+Games&sort=price", "Results for “kite”");
		await check(`/products/${kite}`, "Kite");
		await page.getByRole("button", { name: "Add to cart" }).click();
		await page.getByText("added to your cart").waitFor();
		await check("/cart", "Your cart");
		await check("/checkout", "Checkout");
		await check("/signin", "Sign in");
		await check("/orders", "Please sign in");
		await check("/no/such/page", "Page not found");
		await check(`/products/nope`, "Product not found");

		await page.goto(`${stack.baseUrl}/signin?next=/checkout`);
		await page.locator("#signin-email").fill(customer.email);
		await page.locator("#signin-password").fill(customer.password);
		await page.getByRole("button", { name: "Sign in", exact: true }).click();
		await page.getByText(`Signed in as ${customer.email}`).waitFor();
		await scan("/checkout (signed in)");
		await check("/account", "Your account");
		await check("/orders", "Your orders");
		await check(`/orders/${orderId}`, `Order ${orderId.slice(-8).toUpperCase()}`, "Paid");
		expect(problems).toEqual([]);
	}

	/** The product page of an unknown id: the browser logs the API's 404s, which the page turns into "Product not found". */
	const unknownProduct = [/status of 404 .*\/api\/v1\/(products\/nope|inventory\/check\?productId=nope)/];

	browserTest(
		chromium,
		"every page at 1280 px: no serious or critical axe violation",
		({ page }) => everyPage(page, DESKTOP.width, true),
		// About 15 scans of a second or two each: room for a busy CI machine.
		{ viewport: DESKTOP, allowConsole: unknownProduct, timeoutMs: 120_000 }
	);

	// The axe rules do not depend on the width; the layout does.
	browserTest(chromium, "every page at 390 px: nothing wider than the phone", ({ page }) => everyPage(page, PHONE.width, false), {
		viewport: PHONE,
		allowConsole: unknownProduct
	});

	browserTest(chromium, "by keyboard: the skip link leads to the content and a product goes into the cart", async ({ page }) => {
		await page.goto(`${stack.baseUrl}/?q=kite`);
		await page.getByText("1 product", { exact: true }).waitFor();
		await page.keyboard.press("Tab");
		expect(await page.evaluate<string>("document.activeElement.textContent")).toBe("Skip to content");
		await page.keyboard.press("Enter");
		expect(await page.evaluate<string>("document.activeElement.id")).toBe("main");
		for (let i = 0; i < 15; i++) {
			await page.keyboard.press("Tab");
			if ((await page.evaluate<string>("document.activeElement.getAttribute('aria-label')")) === "Add Kite to cart") break;
		}
		await page.keyboard.press("Enter");
		await page.getByText("Kite was added to your cart.").waitFor();
		// A page change moves the focus to the new page's heading.
		await page.getByRole("link", { name: "Cart (1)" }).focus();
		await page.keyboard.press("Enter");
		await page.getByRole("heading", { level: 1, name: "Your cart" }).waitFor();
		expect(await page.evaluate<string>("document.activeElement.tagName + ' ' + document.activeElement.textContent")).toBe(
			"H1 Your cart"
		);
	});
});
