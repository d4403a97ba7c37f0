/**
 * The storefront end to end in real headless Chromium against the real app (every service in
 * process, embedded store, the real gateway and /ws): a customer browses, searches, fills a cart
 * before signing in, signs up at checkout, pays and follows the order live to delivered; a declined
 * card; the messages of the other payment failures and of out of stock; cancelling a paid order
 * shows the refund.
 */
import type { Page } from "playwright-core";
import { PHONE, browserTest, describeWithChromium, docsScreenshot, useChromium } from "../helpers/browser";
import { startStack, type Stack } from "../helpers/stack";
import { ADDRESS, ADMIN, moveShipment, placeOrder, registerCustomer, seedShop, type Shop } from "./storefront-fixtures";

jest.setTimeout(90_000);

/** Waits until the order page shows this status (the page is never reloaded in between). */
async function statusBecomes(page: Page, status: string, timeout = 15_000) {
	await page.getByTestId("order-status").getByText(status, { exact: true }).waitFor({ timeout });
}

async function fillCheckout(page: Page, cardNumber: string) {
	// The saved addresses decide whether a new one is asked for: wait until they are loaded.
	await page.getByRole("group", { name: "Shipping address" }).waitFor();
	await page.getByText("Loading your addresses…").waitFor({ state: "hidden" });
	if (await page.getByLabel("Street and number").isVisible()) {
		await page.getByLabel("Full name").fill(ADDRESS.name);
		await page.getByLabel("Street and number").fill(ADDRESS.line1);
		await page.getByLabel("Postal code").fill(ADDRESS.postalCode);
		await page.getByLabel("City").fill(ADDRESS.city);
		await page.getByLabel("Country code").fill(ADDRESS.country);
	}
	await page.getByLabel("Card number").fill(cardNumber);
	await page.getByLabel("Expiry month (MM)").fill("12");
	await page.getByLabel("Expiry year (YYYY)").fill("2031");
	await page.getByLabel("CVC").fill("123");
	await page.getByRole("button", { name: /^Pay / }).click();
	await page.waitForURL(/\/orders\/[\w-]+$/);
}

async function signIn(page: Page, baseUrl: string, email: string, password: string, next = "/orders") {
	await page.goto(`${baseUrl}/signin?next=${encodeURIComponent(next)}`);
	await page.getByLabel("Email", { exact: true }).first().fill(email);
	await page.locator("#signin-password").fill(password);
	await page.getByRole("button", { name: "Sign in", exact: true }).click();
	await page.waitForURL(u => u.pathname === next);
}

const describeE2E = describeWithChromium();

describeE2E("storefront in Chromium (real app, embedded store)", () => {
	const chromium = useChromium(["storefront"]);
	let stack: Stack;
	let shop: Shop;

	beforeAll(async () => {
		stack = await startStack({ env: { ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password } });
		shop = await seedShop(stack.baseUrl);
	}, 60_000);
	afterAll(() => stack?.stop());

	browserTest(
		chromium,
		"a customer browses, searches, signs up at checkout, pays with 4242 and follows the order live to delivered",
		async ({ page }) => {
			await page.goto(`${stack.baseUrl}/`);
			await page.getByRole("heading", { level: 1, name: "Catalog" }).waitFor();
			await page.getByText("61 products").waitFor();
			await page.screenshot({ path: docsScreenshot("storefront.png") });

			// Filters and pages live in the URL.
			await page.getByLabel("Category").selectOption("Books");
			await page.waitForURL(/category=Books/);
			await page.getByLabel("Sort by").selectOption("price");
			await page.waitForURL(/sort=price/);
			await page.getByRole("link", { name: "Next page" }).waitFor({ state: "detached" });
			await page.goto(`${stack.baseUrl}/?sort=-price&page=2`);
			await page.getByText("Page 2 of 6").waitFor();
			await page.goBack();

			// Search, open the product, see its live stock, add it before signing in.
			await page.goto(`${stack.baseUrl}/`);
			await page.getByLabel("Search products").fill("earbuds");
			await page.keyboard.press("Enter");
			await page.waitForURL(/\?q=earbuds/);
			await page.getByText("1 product", { exact: true }).waitFor();
			await page.getByRole("link", { name: "Wireless Earbuds" }).click();
			await page.getByRole("heading", { level: 1, name: "Wireless Earbuds" }).waitFor();
			await page.getByText("In stock: 120 available").waitFor();
			await page.getByLabel("Quantity").fill("2");
			await page.getByRole("button", { name: "Add to cart" }).click();
			await page.getByText("2 × Wireless Earbuds added to your cart.").waitFor();
			await page.getByRole("link", { name: "Cart (2)" }).click();
			await page.getByRole("heading", { level: 1, name: "Your cart" }).waitFor();
			await page.getByRole("link", { name: "Checkout" }).click();

			// Sign up at checkout: the cart of this browser becomes the account's.
			const email = `buyer-${Date.now()}@web.test`;
			await page.getByLabel("Name", { exact: true }).fill("Grace Buyer");
			await page.locator("#register-email").fill(email);
			await page.locator("#register-password").fill("Buyer-pass-12");
			await page.getByRole("button", { name: "Create account" }).click();
			await page.getByText(`Signed in as ${email}`).waitFor();
			await page.getByText("Live updates on.").waitFor();
			// Test code is typed without the DOM: expressions for the page are strings.
			await page.evaluate("window.notReloaded = true");

			await fillCheckout(page, "4242 4242 4242 4242");
			await statusBecomes(page, "Paid");
			const orderId = page.url().split("/").pop()!;

			// The admin ships and delivers: the page follows over the WebSocket, without a reload.
			await moveShipment(shop, orderId, "shipped");
			await statusBecomes(page, "Shipped");
			await moveShipment(shop, orderId, "delivered");
			await statusBecomes(page, "Delivered");
			expect(await page.evaluate("window.notReloaded")).toBe(true);
			await page.getByRole("button", { name: "Cancel order" }).waitFor({ state: "detached" });

			// The order is in the history; the cart is empty; the saved address is offered next time.
			await page.getByRole("link", { name: "Orders", exact: true }).click();
			await page.getByRole("link", { name: orderId.slice(-8).toUpperCase() }).waitFor();
			await page.getByRole("link", { name: "Cart", exact: true }).waitFor();
			await page.getByRole("link", { name: "Account" }).click();
			await page.getByText(`${ADDRESS.name}, ${ADDRESS.line1}`).waitFor();
		}
	);

	browserTest(chromium, "a declined card says so, the items go back to the cart, and another card pays", async ({ page }) => {
		const customer = await registerCustomer(shop, "Declined Dan");
		await signIn(page, stack.baseUrl, customer.email, customer.password, "/");
		await page.getByLabel("Search products").fill("smart watch");
		await page.getByRole("button", { name: "Search", exact: true }).click();
		await page.getByRole("button", { name: "Add Smart Watch to cart" }).click();
		await page.getByText("Smart Watch was added to your cart.").waitFor();
		await page.goto(`${stack.baseUrl}/checkout`);
		await fillCheckout(page, "4000 0000 0000 0002");
		await statusBecomes(page, "Cancelled");
		await page.getByText("Your card was declined. Nothing was charged. Please use another card.").waitFor();

		await page.getByRole("button", { name: "Put these items back in my cart and try again" }).click();
		await page.getByRole("heading", { level: 1, name: "Checkout" }).waitFor();
		await fillCheckout(page, "4242424242424242");
		await statusBecomes(page, "Paid");
	});

	browserTest(chromium, "insufficient funds, a processing error and out of stock each get their own message", async ({ page }) => {
		const customer = await registerCustomer(shop, "Unlucky Una");
		const poor = await placeOrder(shop, customer.token, "Clean Code", "4000000000009995");
		const broken = await placeOrder(shop, customer.token, "Clean Code", "4000000000000119");
		const tooMany = await placeOrder(shop, customer.token, "Last Lamp", undefined, 2);
		expect([poor.status, broken.status, tooMany.status]).toEqual(["cancelled", "cancelled", "cancelled"]);
		await signIn(page, stack.baseUrl, customer.email, customer.password);
		const expectations: Array<[string, string]> = [
			[poor.id, "Your card has insufficient funds. Nothing was charged. Please use another card."],
			[broken.id, "The card processor had an error and could not take the payment. Nothing was charged. Please try again."],
			[tooMany.id, "An item of this order went out of stock before it could be reserved. Nothing was charged."]
		];
		for (const [id, message] of expectations) {
			await page.getByRole("link", { name: "Orders", exact: true }).click();
			await page.getByRole("link", { name: id.slice(-8).toUpperCase() }).click();
			await statusBecomes(page, "Cancelled");
			await page.getByText(message, { exact: false }).waitFor();
		}
	});

	browserTest(
		chromium,
		"cancelling a paid order shows the refund (390 px wide)",
		async ({ page }) => {
			const customer = await registerCustomer(shop, "Refund Rita");
			const order = await placeOrder(shop, customer.token, "Wireless Mouse");
			expect(order.status).toBe("paid");
			await signIn(page, stack.baseUrl, customer.email, customer.password, `/orders/${order.id}`);
			await statusBecomes(page, "Paid");
			await page.getByRole("button", { name: "Cancel order" }).click();
			await page.getByText("The payment will be refunded.").waitFor();
			await page.getByRole("button", { name: "Yes, cancel the order" }).click();
			await statusBecomes(page, "Cancelled");
			await page
				.getByTestId("refund")
				.getByText(/Refunded: €24\.99 back to your card \(visa ending 4242\)/)
				.waitFor();
			await page.getByText("You cancelled this order.").waitFor();
			// Nothing wider than the phone.
			expect(await page.evaluate<number>("document.documentElement.scrollWidth")).toBeLessThanOrEqual(PHONE.width);
		},
		{ viewport: PHONE }
	);

	browserTest(chromium, "the product page follows the stock: sold out and back in stock without a reload", async ({ page }) => {
		const id = shop.products.get("Chess Set")!;
		await page.goto(`${stack.baseUrl}/products/${id}`);
		await page.getByText(/^In stock: \d+ available$/).waitFor();
		const stock = (onHand: number) => shop.api.patch(`/api/v1/products/${id}/stock`, { onHand }, { token: shop.adminToken });
		expect((await stock(0)).status).toBe(200);
		await page.getByText("Out of stock", { exact: true }).waitFor({ timeout: 10_000 });
		expect(await page.getByRole("button", { name: "Add to cart" }).isDisabled()).toBe(true);
		expect((await stock(3)).status).toBe(200);
		await page.getByText("In stock: 3 available").waitFor({ timeout: 10_000 });
		expect(await page.getByRole("button", { name: "Add to cart" }).isDisabled()).toBe(false);
	});
});
