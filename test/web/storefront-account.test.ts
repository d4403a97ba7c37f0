/**
 * The storefront's account pages in real Chromium against the real app: a cart filled before
 * signing in joins the account's existing cart; addresses, a password change and an email change;
 * signing out, and in again with the new credentials.
 */
import { browserTest, describeWithChromium, useChromium } from "../helpers/browser";
import { startStack, type Stack } from "../helpers/stack";
import { ADMIN, registerCustomer, seedShop, type Shop } from "./storefront-fixtures";

jest.setTimeout(90_000);

const describeE2E = describeWithChromium();

describeE2E("storefront account in Chromium (real app)", () => {
	const chromium = useChromium(["storefront"]);
	let stack: Stack;
	let shop: Shop;

	beforeAll(async () => {
		stack = await startStack({ env: { ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password } });
		shop = await seedShop(stack.baseUrl);
	}, 60_000);
	afterAll(() => stack?.stop());

	browserTest(chromium, "the cart of this browser joins the account's cart at sign-in, quantities added up", async ({ page }) => {
		const customer = await registerCustomer(shop, "Merge Mia");
		const kite = shop.products.get("Kite")!;
		const yoyo = shop.products.get("Card Game")!;
		expect((await shop.api.post("/api/v1/cart/items", { productId: kite, quantity: 2 }, { token: customer.token })).status).toBe(201);

		await page.goto(`${stack.baseUrl}/products/${kite}`);
		await page.getByRole("button", { name: "Add to cart" }).click();
		await page.getByText("1 × Kite added to your cart.").waitFor();
		await page.goto(`${stack.baseUrl}/products/${yoyo}`);
		await page.getByLabel("Quantity").fill("3");
		await page.getByRole("button", { name: "Add to cart" }).click();
		await page.getByRole("link", { name: "Cart (4)" }).waitFor();

		await page.goto(`${stack.baseUrl}/signin?next=/cart`);
		await page.locator("#signin-email").fill(customer.email);
		await page.locator("#signin-password").fill(customer.password);
		await page.getByRole("button", { name: "Sign in", exact: true }).click();
		await page.getByRole("link", { name: "Cart (6)" }).waitFor();
		expect(await page.getByLabel("Quantity of Kite").inputValue()).toBe("3");
		expect(await page.getByLabel("Quantity of Card Game").inputValue()).toBe("3");
		const server = await shop.api.get("/api/v1/cart", { token: customer.token });
		expect(server.body.items.map((i: { name: string; quantity: number }) => [i.name, i.quantity]).sort()).toEqual([
			["Card Game", 3],
			["Kite", 3]
		]);
		// Changed in the cart page: the server's cart changes.
		await page.getByLabel("Quantity of Kite").fill("1");
		await page.getByLabel("Quantity of Kite").press("Enter");
		await page.getByRole("link", { name: "Cart (4)" }).waitFor();
		await page.getByRole("button", { name: "Remove Card Game" }).click();
		await page.getByRole("link", { name: "Cart (1)" }).waitFor();
		expect((await shop.api.get("/api/v1/cart", { token: customer.token })).body.itemCount).toBe(1);
	});

	browserTest(
		chromium,
		"addresses, a password change and an email change; sign out and in with the new credentials",
		async ({ page }) => {
			const customer = await registerCustomer(shop, "Account Ana");
			await page.goto(`${stack.baseUrl}/signin?next=/account`);
			await page.locator("#signin-email").fill(customer.email);
			await page.locator("#signin-password").fill(customer.password);
			await page.getByRole("button", { name: "Sign in", exact: true }).click();
			await page.getByRole("heading", { level: 1, name: "Your account" }).waitFor();

			// A new address: the API's field errors show at the fields, then it is saved and becomes the default.
			await page.getByRole("button", { name: "Add an address" }).click();
			await page.getByLabel("Street and number").fill("5 Rue de Rivoli");
			await page.getByLabel("Postal code").fill("75001");
			await page.getByLabel("City").fill("Paris");
			await page.getByLabel("Country code").fill("XX");
			await page.getByRole("button", { name: "Save address" }).click();
			await page.getByText("The 'country' field must be an ISO 3166-1 alpha-2 country code, such as DE or US.").waitFor();
			await page.getByLabel("Country code").fill("FR");
			await page.getByRole("button", { name: "Save address" }).click();
			await page.getByText("5 Rue de Rivoli, 75001 Paris, FR (default)").waitFor();

			// Password: a wrong current one is named, the right one works.
			await page.locator("#password-current").fill("Wrong-pass-1");
			await page.locator("#password-new").fill("Newer-pass-2");
			await page.getByRole("button", { name: "Change password" }).click();
			await page.locator("#password-current-error").waitFor();
			await page.locator("#password-current").fill(customer.password);
			await page.getByRole("button", { name: "Change password" }).click();
			await page.getByText("Password changed. Your other sessions were signed out.").waitFor();

			// Email: needs the current (new) password.
			const newEmail = `renamed-${Date.now()}@web.test`;
			await page.locator("#profile-email").fill(newEmail);
			await page.locator("#profile-current-password").fill("Newer-pass-2");
			await page.getByRole("button", { name: "Save profile" }).click();
			await page.getByText("Saved. Your email changed, so your other sessions were signed out.").waitFor();

			await page.getByRole("button", { name: "Sign out on this device" }).click();
			await page.getByRole("link", { name: "Sign in" }).waitFor();
			expect(await page.evaluate<string | null>("localStorage.getItem('shop.session')")).toBeNull();
			await page.goto(`${stack.baseUrl}/signin?next=/account`);
			await page.locator("#signin-email").fill(newEmail);
			await page.locator("#signin-password").fill("Newer-pass-2");
			await page.getByRole("button", { name: "Sign in", exact: true }).click();
			await page.getByRole("heading", { level: 1, name: "Your account" }).waitFor();
			expect(await page.locator("#profile-email").inputValue()).toBe(newEmail);

			// Signed in elsewhere too (another device, through the API): "everywhere" ends both.
			const elsewhere = await shop.api.post("/api/v1/auth/login", { email: newEmail, password: "Newer-pass-2" });
			expect(elsewhere.status).toBe(200);
			await page.getByRole("button", { name: "Sign out everywhere" }).click();
			await page.getByRole("link", { name: "Sign in" }).waitFor();
			expect((await shop.api.post("/api/v1/auth/refresh", { refreshToken: elsewhere.body.refreshToken })).status).toBe(401);
		},
		// The refused address and the wrong password: the browser logs the API's 422s, which the page shows at their fields.
		{ allowConsole: [/status of 422 .*\/api\/v1\/users\/me\/(addresses|password)\)$/] }
	);

	browserTest(
		chromium,
		"two tabs reloading at once stay signed in (refreshes take turns: a replayed refresh token would end the session)",
		async ({ page, newPage }) => {
			const customer = await registerCustomer(shop, "Two Tabs");
			await page.goto(`${stack.baseUrl}/signin?next=/orders`);
			await page.locator("#signin-email").fill(customer.email);
			await page.locator("#signin-password").fill(customer.password);
			await page.getByRole("button", { name: "Sign in", exact: true }).click();
			await page.getByRole("heading", { level: 1, name: "Your orders" }).waitFor();
			const other = await newPage();
			// Each load starts without an access token, so both tabs refresh with the one stored refresh token.
			for (let round = 0; round < 3; round++) {
				await Promise.all([page.goto(`${stack.baseUrl}/orders`), other.goto(`${stack.baseUrl}/account`)]);
				await page.getByRole("heading", { level: 1, name: "Your orders" }).waitFor();
				await other.getByRole("heading", { level: 1, name: "Your account" }).waitFor();
				await page.getByText("No orders yet.").waitFor();
				await other.locator("#profile-email").waitFor();
			}
			expect(await page.evaluate<string | null>("localStorage.getItem('shop.session')")).not.toBeNull();
		}
	);
});
