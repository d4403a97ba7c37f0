/**
 * The backoffice end to end, in real headless Chromium against the real app on the embedded store:
 * an admin creates a product and adjusts its stock, sees a customer's order (placed over the HTTP
 * API) and its low-stock alert arrive live, ships and delivers it; the logs viewer follows one
 * request through every service; a customer who opens /admin is sent to sign in as an admin.
 */
import { browserTest, describeWithChromium, docsScreenshot, useChromium } from "../helpers/browser";
import { client } from "../helpers/http";
import { waitFor } from "../helpers/processes";
import { startStack, type Stack } from "../helpers/stack";
import { ADDRESS, ADMIN_ENV, CARD, goTo, registerCustomer, signInAsAdmin } from "./admin-fixtures";

const describeE2E = describeWithChromium();

describeE2E("backoffice in Chromium (real app, embedded store)", () => {
	const chromium = useChromium(["admin"]);
	let stack: Stack;

	beforeAll(async () => {
		stack = await startStack({ env: ADMIN_ENV });
	}, 60_000);
	afterAll(() => stack?.stop());

	browserTest(
		chromium,
		"an admin creates a product, sees a customer's order and its low-stock alert arrive live, ships and delivers it",
		async ({ page }) => {
			await signInAsAdmin(page, stack.baseUrl);
			await page.getByRole("navigation", { name: "Backoffice" }).getByRole("link", { name: "Products" }).click();
			await page.getByRole("link", { name: "New product" }).click();
			await page.getByLabel("Name").fill("Lighthouse Lamp");
			await page.getByLabel("Description").fill("Sweeps the desk with light.");
			await page.getByLabel("Price").fill("49.90");
			await page.getByLabel("Category").fill("Lighting");
			await page.getByLabel("SKU").fill("LAMP-LH-1");
			await page.getByLabel("Initial stock").fill("6");
			await page.getByRole("button", { name: "Create product" }).click();
			await page.getByText("Lighthouse Lamp created.").waitFor();
			const productId = /\/admin\/products\/([^/?]+)/.exec(page.url())![1];

			// Inventory learns of the product from its event; then +2 by hand (6 -> 8, threshold 5).
			await page.getByLabel("Change by").fill("2");
			await page.getByLabel("Reason").fill("found two more");
			await waitFor("the product's inventory", async () => {
				const r = await client(stack.baseUrl).get(`/api/v1/inventory/check?productId=${productId}&quantity=1`);
				return r.status === 200;
			});
			await page.getByRole("button", { name: "Adjust stock" }).click();
			await page.getByTestId("available").getByText("On hand 8, reserved 0, available 8").waitFor();

			// The orders page is open; the customer orders 4 over the API (8 -> 4 available: below the threshold).
			await page.getByRole("navigation", { name: "Backoffice" }).getByRole("link", { name: "Orders" }).click();
			await page.getByTestId("orders-table").waitFor();
			await page.evaluate("window.notReloaded = true");
			const customer = await registerCustomer(stack.baseUrl, "Grace Hopper");
			const placed = await client(stack.baseUrl).post(
				"/api/v1/orders",
				{ items: [{ productId, quantity: 4 }], shippingAddress: ADDRESS, payment: CARD },
				{ token: customer.token }
			);
			expect(placed.status).toBe(201);
			const orderId: string = placed.body.id;
			const short = orderId.split("-")[0].toUpperCase();

			const feed = page.getByTestId("live-feed");
			await feed.getByText(new RegExp(`New order ${short}`)).waitFor({ timeout: 15_000 });
			await feed.getByText("Low stock: Lighthouse Lamp, 4 left").waitFor({ timeout: 15_000 });
			await page.locator(`tr[data-order-id="${orderId}"]`).getByText("paid").waitFor({ timeout: 15_000 });
			expect(await page.evaluate("window.notReloaded")).toBe(true);

			// The dashboard counts it; its picture goes into the docs.
			await page.getByRole("navigation", { name: "Backoffice" }).getByRole("link", { name: "Dashboard" }).click();
			await page.getByTestId("orders-today").getByText("1", { exact: true }).waitFor();
			await page.getByTestId("status-paid").getByText("1", { exact: true }).waitFor();
			await page.getByRole("region", { name: "Low stock" }).getByRole("link", { name: "Lighthouse Lamp" }).waitFor();
			await page.screenshot({ path: docsScreenshot("backoffice.png"), fullPage: true });

			// Ship and deliver from the order's page, which follows the order live.
			await feed.getByRole("link", { name: new RegExp(`New order ${short}`) }).click();
			await page.getByRole("heading", { level: 1, name: `Order ${short}` }).waitFor();
			await page.getByTestId("order-status").getByText("paid").waitFor();
			await page.getByText("succeeded").first().waitFor();
			await page.getByRole("button", { name: "Mark shipped" }).click();
			await page.getByTestId("order-status").getByText("shipped").waitFor({ timeout: 15_000 });
			await page.getByRole("button", { name: "Mark delivered" }).click();
			await page.getByTestId("order-status").getByText("delivered").waitFor({ timeout: 15_000 });
			await page.getByTestId("status-history").getByText("delivered").waitFor();

			const order = await client(stack.baseUrl).get(`/api/v1/orders/${orderId}`, { token: customer.token });
			expect(order.body.status).toBe("delivered");
			expect(order.body.statusHistory.map((h: { status: string }) => h.status)).toEqual([
				"pending",
				"confirmed",
				"paid",
				"shipped",
				"delivered"
			]);
		},
		{ timeoutMs: 90_000 }
	);

	browserTest(
		chromium,
		"an admin refunds one paid order and cancels another from their pages, edits a product and deletes it",
		async ({ page }) => {
			const api = client(stack.baseUrl);
			const admin = (await api.post("/api/v1/auth/login", { email: ADMIN_ENV.ADMIN_EMAIL, password: ADMIN_ENV.ADMIN_PASSWORD })).body
				.accessToken;
			const product = await api.post(
				"/api/v1/products",
				{ name: "Spare Kettle", price: 20, category: "Kitchen", stock: 50 },
				{ token: admin }
			);
			const productId: string = product.body.id;
			await waitFor(
				"the product's inventory",
				async () => (await api.get(`/api/v1/inventory/check?productId=${productId}&quantity=1`)).status === 200
			);
			const customer = await registerCustomer(stack.baseUrl, "Refund Ruth");
			const paidOrder = async () => {
				const r = await api.post(
					"/api/v1/orders",
					{ items: [{ productId, quantity: 1 }], shippingAddress: ADDRESS, payment: CARD },
					{ token: customer.token }
				);
				await waitFor(
					"the order paid",
					async () => (await api.get(`/api/v1/orders/${r.body.id}`, { token: admin })).body.status === "paid"
				);
				return r.body.id as string;
			};
			const [refunded, cancelled] = [await paidOrder(), await paidOrder()];

			await signInAsAdmin(page, stack.baseUrl);
			await goTo(page, `/admin/orders/${refunded}`);
			await page.getByRole("button", { name: "Refund €20.00" }).click();
			await page.getByTestId("order-status").getByText("cancelled (refunded)").waitFor({ timeout: 15_000 });
			await page.getByRole("region", { name: "Payment" }).getByText("refunded").waitFor();

			await goTo(page, `/admin/orders/${cancelled}`);
			await page.getByTestId("order-status").getByText("paid").waitFor();
			await page.getByLabel("New status").selectOption("cancelled");
			await page.getByLabel("Reason (for a cancellation)").fill("customer called to cancel");
			await page.getByRole("button", { name: "Change status" }).click();
			await page.getByTestId("order-status").getByText("cancelled").waitFor({ timeout: 15_000 });
			await page.getByTestId("status-history").getByText("customer called to cancel").waitFor();
			expect((await api.get(`/api/v1/orders/${cancelled}`, { token: admin })).body.status).toBe("cancelled");

			await goTo(page, `/admin/products/${productId}`);
			await page.getByLabel("Name").fill("Spare Kettle XL");
			await page.getByLabel("Price").fill("24.50");
			await page.getByRole("button", { name: "Save changes" }).click();
			await page.getByRole("heading", { level: 1, name: "Spare Kettle XL" }).waitFor();
			expect((await api.get(`/api/v1/products/${productId}`)).body).toMatchObject({ name: "Spare Kettle XL", price: 24.5 });

			await page.getByRole("link", { name: "All products" }).click();
			await page.getByRole("button", { name: "Delete Spare Kettle XL" }).click();
			await page.getByRole("button", { name: "Delete Spare Kettle XL for good" }).click();
			await page.getByText("Spare Kettle XL deleted.").waitFor();
			await page
				.getByRole("region", { name: "Products" })
				.getByRole("link", { name: "Spare Kettle XL", exact: true })
				.waitFor({ state: "detached" });
			await page.getByTestId("live-feed").getByText("Spare Kettle XL can no longer be bought (deleted)").waitFor();
			expect((await api.get(`/api/v1/products/${productId}`)).status).toBe(404);
		}
	);

	browserTest(chromium, "the logs viewer finds one request's lines from every service", async ({ page }) => {
		const customer = await registerCustomer(stack.baseUrl, "Logs Reader");
		const products = await client(stack.baseUrl).get("/api/v1/products");
		const requestId = `admin-e2e-${Date.now()}`;
		const placed = await client(stack.baseUrl).post(
			"/api/v1/orders",
			{
				items: [{ productId: products.body.items[0].id, quantity: 1 }],
				shippingAddress: ADDRESS,
				payment: { ...CARD, cardNumber: "4000000000000002" }
			},
			{ token: customer.token, headers: { "x-request-id": requestId } }
		);
		expect(placed.status).toBe(201);
		const admin = await client(stack.baseUrl).post("/api/v1/auth/login", {
			email: ADMIN_ENV.ADMIN_EMAIL,
			password: ADMIN_ENV.ADMIN_PASSWORD
		});
		// The nodes ship their lines every LOG_SHIP_INTERVAL_MS: wait until the lines the page looks for are
		// stored. A notification line alone is not enough: order.confirmed sends one before the payment runs.
		const stored = async (filter: string) => {
			const r = await client(stack.baseUrl).get(`/api/v1/logs?requestId=${requestId}&${filter}`, {
				token: admin.body.accessToken
			});
			return r.body.total > 0;
		};
		await waitFor("the request's payment failure and notification lines", async () => {
			return (await stored("service=payments&q=failed")) && (await stored("service=notifications"));
		});

		await signInAsAdmin(page, stack.baseUrl);
		await page.getByRole("navigation", { name: "Backoffice" }).getByRole("link", { name: "Logs" }).click();
		await page.getByLabel("Service").fill("payments");
		await page.getByLabel("Text").fill(placed.body.id);
		await page.getByRole("button", { name: "Apply" }).click();
		const lines = page.getByTestId("log-lines");
		await lines.getByText(/failed: declined/).waitFor();
		await lines
			.getByRole("link", { name: `Lines of request ${requestId}` })
			.first()
			.click();

		await page.getByText(`The lines of request ${requestId} from every service`).waitFor();
		expect(await page.getByLabel("Request id").inputValue()).toBe(requestId);
		await lines.locator("tbody tr").first().waitFor();
		const rows = await lines
			.locator("tbody tr")
			.evaluateAll(trs => trs.map(tr => ({ service: tr.children[3].textContent, requestId: tr.children[5].textContent })));
		expect(rows.every(r => r.requestId === requestId)).toBe(true);
		const services = new Set(rows.map(r => r.service));
		for (const s of ["api", "payments", "notifications"]) expect([...services]).toContain(s);
	});

	browserTest(
		chromium,
		"a customer who opens /admin is sent to sign in as an admin, and a customer's account is refused",
		async ({ page }) => {
			const customer = await registerCustomer(stack.baseUrl, "Curious Customer");
			await page.goto(stack.baseUrl + "/admin/orders?status=paid");
			await page.waitForURL(/\/admin\/login\?next=%2Fadmin%2Forders%3Fstatus%3Dpaid$/);
			await page.getByRole("heading", { level: 1, name: "Sign in as admin" }).waitFor();
			await page.getByLabel("Email").fill(customer.email);
			await page.getByLabel("Password").fill(customer.password);
			await page.getByRole("button", { name: "Sign in" }).click();
			await page.getByRole("alert").getByText(`${customer.email} is not an admin account.`, { exact: false }).waitFor();
			expect(new URL(page.url()).pathname).toBe("/admin/login");
			// The session the login opened was ended and is not kept.
			expect(await page.evaluate(`localStorage.getItem("shop.admin.session")`)).toBeNull();
			await page.goto(stack.baseUrl + "/admin/customers");
			await page.waitForURL(/\/admin\/login/);
			expect(await page.getByRole("navigation", { name: "Backoffice" }).count()).toBe(0);
		}
	);

	browserTest(chromium, "is usable by keyboard: skip link, navigation, a filter form", async ({ page }) => {
		await signInAsAdmin(page, stack.baseUrl);
		// A page load starts at the top: the skip link comes first.
		await page.goto(stack.baseUrl + "/admin/");
		await page.getByRole("heading", { level: 1, name: "Dashboard" }).waitFor();
		await page.keyboard.press("Tab");
		expect(await page.evaluate("document.activeElement?.textContent")).toBe("Skip to content");
		await page.keyboard.press("Enter");
		expect(await page.evaluate("document.activeElement?.id")).toBe("main");
		// Tab from the top through the navigation to Orders, open it, filter by status with the keyboard.
		await page.getByRole("link", { name: "Dashboard" }).focus();
		for (let i = 0; i < 3; i++) await page.keyboard.press("Tab");
		expect(await page.evaluate("document.activeElement?.textContent")).toBe("Orders");
		await page.keyboard.press("Enter");
		await page.waitForURL(/\/admin\/orders$/);
		// Focus moves to the page's heading once the page has rendered (its data loads first).
		await page.waitForFunction("document.activeElement?.id === 'page-title'", undefined, { timeout: 5000 });
		await page.keyboard.press("Tab");
		expect(await page.evaluate("document.activeElement?.name")).toBe("status");
		await page.keyboard.press("ArrowDown");
		expect(await page.evaluate("document.activeElement?.value")).toBe("pending");
		await page.getByRole("button", { name: "Apply" }).focus();
		await page.keyboard.press("Enter");
		await page.waitForURL(/\/admin\/orders\?status=pending$/);
	});
});
