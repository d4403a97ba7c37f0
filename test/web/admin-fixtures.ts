/** What the backoffice's browser tests share: the admin's account, signing in, moving between pages. */
import type { Page } from "playwright-core";
import { client } from "../helpers/http";

export const ADMIN = { email: "admin@backoffice.test", password: "Backoffice-pass-1" };
/** The stack's environment: the admin created at start; debug lines shipped so a request shows its path through every service. */
export const ADMIN_ENV = { ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password, LOG_SHIP_LEVEL: "debug" };
export const CARD = { cardNumber: "4242424242424242", expMonth: 12, expYear: 2030, cvc: "123" };
export const ADDRESS = { name: "Grace Hopper", line1: "1 Compiler Street", city: "Arlington", postalCode: "22201", country: "US" };

/** Opens `/admin` (sent to the sign-in page) and signs in as the admin; ends on the dashboard. */
export async function signInAsAdmin(page: Page, baseUrl: string): Promise<void> {
	await page.goto(baseUrl + "/admin/");
	await page.waitForURL(/\/admin\/login\?next=/);
	await page.getByLabel("Email").fill(ADMIN.email);
	await page.getByLabel("Password").fill(ADMIN.password);
	await page.getByRole("button", { name: "Sign in" }).click();
	await page.getByRole("heading", { level: 1, name: "Dashboard" }).waitFor();
}

/**
 * Moves to a backoffice page the way its links do (History API, no page load): a full load would
 * refresh the session each time, and refreshes are rate-limited per address (RATE_LIMIT_LOGIN_MAX).
 */
export async function goTo(page: Page, path: string): Promise<void> {
	await page.evaluate(`history.pushState(null, "", ${JSON.stringify(path)}); dispatchEvent(new PopStateEvent("popstate"))`);
}

export async function registerCustomer(baseUrl: string, name: string): Promise<{ email: string; password: string; token: string }> {
	const email = `${name.toLowerCase().replace(/\W+/g, "-")}-${Date.now()}@backoffice.test`;
	const password = "Customer-pass-1";
	const r = await client(baseUrl).post("/api/v1/auth/register", { email, password, name });
	if (r.status !== 201) throw new Error(`register ${email}: ${r.status} ${JSON.stringify(r.body)}`);
	return { email, password, token: r.body.accessToken };
}
