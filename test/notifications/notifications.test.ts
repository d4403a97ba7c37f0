/**
 * Notifications end to end: a real SMTP server inside the test receives the mails of a whole order
 * flow driven over HTTP (register, admin login, product with stock, order with 4242..., paid,
 * shipped, delivered, cancelled), plus the low-stock alert to the admin. An SMTP outage is retried
 * and ends `failed` with every record kept and the order unaffected; without SMTP_URL the mail is
 * appended to the day's mbox file under DATA_DIR/mail, read back with mailparser.
 */
import fs from "node:fs";
import path from "node:path";
import { simpleParser } from "mailparser";
import { mboxMessages } from "../../lib/notifications/mbox";
import { startStack, type Stack } from "../helpers/stack";
import { eventually } from "../orders/support";
import { ADMIN_EMAIL, E2E_ENV, Shop, type Customer } from "../orders/shop";
import { startSmtp, type ReceivedMail, type TestSmtp } from "./smtp";

jest.setTimeout(60_000);

const MAIL_FROM = "shop@notify.test";
const short = (orderId: string) => orderId.slice(0, 8).toUpperCase();

function mailsTo(smtp: TestSmtp, email: string): ReceivedMail[] {
	return smtp.received.filter(m => m.to.includes(email));
}

async function mailWithSubject(smtp: TestSmtp, email: string, subject: string): Promise<ReceivedMail> {
	return eventually(`mail "${subject}" to ${email}`, async () => mailsTo(smtp, email).find(m => m.subject === subject));
}

describe("notifications over a real SMTP server (whole order flow)", () => {
	let smtp: TestSmtp;
	let stack: Stack;
	let shop: Shop;
	let ann: Customer;
	let bob: Customer;
	let annOrderId: string;

	beforeAll(async () => {
		smtp = await startSmtp();
		stack = await startStack({ env: { ...E2E_ENV, SMTP_URL: smtp.url, MAIL_FROM, NOTIFY_RETRY_DELAY_MS: "50" } });
		shop = new Shop(stack.baseUrl);
		await shop.loginAdmin();
		[ann, bob] = await Promise.all([shop.register("Ann"), shop.register("Bob")]);
	});
	afterAll(async () => {
		await stack?.stop();
		await smtp?.stop();
	});

	it("mails the customer at confirmed, paid, shipped and delivered, with the right subject and total", async () => {
		const p = await shop.product(25, 10);
		const { id } = await shop.placed(ann, [{ productId: p.id, quantity: 3 }]);
		annOrderId = id;
		await shop.reaches(ann, id, "paid");

		const total = `Total: 75.00 ${p.currency}`;
		const confirmed = await mailWithSubject(smtp, ann.email, `Your order ${short(id)} is confirmed`);
		expect(confirmed.from).toBe(MAIL_FROM);
		expect(confirmed.text).toContain(total);
		expect(confirmed.text).toContain(`3 x ${p.name}`);
		expect(confirmed.text).toContain("Hello Ann,");
		expect(confirmed.raw).toMatch(/Content-Type: text\/html/i);
		const paid = await mailWithSubject(smtp, ann.email, `Payment received for order ${short(id)}`);
		expect(paid.text).toContain(total);
		expect(paid.text).toContain("1 Test Street");

		const shipment = await shop.shipment(id);
		await shop.api.put(`/api/v1/shipments/${shipment.id}/status`, { status: "shipped" }, { token: shop.adminToken });
		expect((await mailWithSubject(smtp, ann.email, `Your order ${short(id)} has shipped`)).text).toContain(total);
		await shop.api.put(`/api/v1/shipments/${shipment.id}/status`, { status: "delivered" }, { token: shop.adminToken });
		expect((await mailWithSubject(smtp, ann.email, `Your order ${short(id)} was delivered`)).text).toContain(total);

		// Only Ann's mail went to Ann, and nothing about her order to Bob.
		expect(mailsTo(smtp, ann.email).every(m => m.text.includes(id))).toBe(true);
		expect(mailsTo(smtp, bob.email)).toEqual([]);
	});

	it("mails ADMIN_EMAIL when a product crosses its low-stock threshold, once", async () => {
		const p = await shop.product(4, 10);
		const { id } = await shop.placed(bob, [{ productId: p.id, quantity: 6 }]);
		await shop.reaches(bob, id, "paid");
		const alert = await mailWithSubject(smtp, ADMIN_EMAIL, `Low stock: ${p.name} (4 left)`);
		expect(alert.text).toContain(p.id);
		expect(alert.text).toContain("threshold 5");
		const again = await shop.placed(bob, [{ productId: p.id, quantity: 1 }]);
		await shop.reaches(bob, again.id, "paid");
		await new Promise(r => setTimeout(r, 300));
		expect(mailsTo(smtp, ADMIN_EMAIL).filter(m => m.subject.startsWith(`Low stock: ${p.name}`))).toHaveLength(1);
	});

	it("mails a cancellation with its reason, and says a paid order is refunded", async () => {
		const p = await shop.product(12.5, 5);
		const { id } = await shop.placed(bob, [{ productId: p.id, quantity: 2 }]);
		await shop.reaches(bob, id, "paid");
		expect((await shop.api.del(`/api/v1/orders/${id}`, { token: bob.token })).status).toBe(200);
		const mail = await mailWithSubject(smtp, bob.email, `Your order ${short(id)} was cancelled`);
		expect(mail.text).toContain("As you asked, we cancelled your order.");
		expect(mail.text).toContain("refunded");
		expect(mail.text).toContain(`Total: 25.00 ${p.currency}`);
	});

	it("stores every mail: customers list their own, admins all with filters; others' are 404", async () => {
		const mine = await eventually("Ann's four mails sent", async () => {
			const r = await shop.api.get("/api/v1/notifications?status=sent", { token: ann.token });
			return r.body.total >= 4 ? r.body : null;
		});
		expect(mine.items.every((n: any) => n.userId === ann.id && n.recipient === ann.email && n.channel === "email")).toBe(true);
		expect(mine.items.map((n: any) => n.template).sort()).toEqual([
			"order_confirmed",
			"order_delivered",
			"order_paid",
			"order_shipped"
		]);
		const one = mine.items.find((n: any) => n.template === "order_paid");
		expect(one).toMatchObject({ status: "sent", attempts: 1, lastError: null, relatedId: annOrderId, subject: expect.any(String) });
		expect(one.body).toContain("Total: 75.00");
		expect(one.html).toContain("<html>");
		expect(new Date(one.sentAt).toISOString()).toBe(one.sentAt);

		// Bob sees his own, never Ann's, and Ann's one notification is a 404 for him.
		const bobs = await shop.api.get("/api/v1/notifications?pageSize=100", { token: bob.token });
		expect(bobs.body.items.length).toBeGreaterThan(0);
		expect(bobs.body.items.every((n: any) => n.userId === bob.id)).toBe(true);
		// A customer's `recipient` filter cannot reach others' mail.
		const sneaky = await shop.api.get(`/api/v1/notifications?recipient=${encodeURIComponent(ann.email)}`, { token: bob.token });
		expect(sneaky.body.items.every((n: any) => n.userId === bob.id)).toBe(true);
		expect((await shop.api.get(`/api/v1/notifications/${one.id}`, { token: bob.token })).status).toBe(404);
		expect((await shop.api.get(`/api/v1/notifications/${one.id}`, { token: ann.token })).body.id).toBe(one.id);
		expect((await shop.api.get(`/api/v1/notifications/${one.id}`, { token: shop.adminToken })).body.id).toBe(one.id);
		expect((await shop.api.get("/api/v1/notifications/nope", { token: shop.adminToken })).status).toBe(404);
		expect((await shop.api.get("/api/v1/notifications")).status).toBe(401);

		const alerts = await shop.api.get("/api/v1/notifications?template=low_stock", { token: shop.adminToken });
		expect(alerts.body.total).toBe(1);
		expect(alerts.body.items[0]).toMatchObject({ recipient: ADMIN_EMAIL, userId: null, status: "sent" });
		const byRecipient = await shop.api.get(`/api/v1/notifications?recipient=${encodeURIComponent(ann.email)}&pageSize=2`, {
			token: shop.adminToken
		});
		expect(byRecipient.body).toMatchObject({ total: 4, page: 1, pageSize: 2 });
		expect(byRecipient.body.items).toHaveLength(2);
		expect((await shop.api.get("/api/v1/notifications?status=bogus", { token: shop.adminToken })).status).toBe(422);
	});

	it("sends nothing twice when an order event is redelivered or re-driven (new event id, same transition)", async () => {
		const before = (await shop.api.get("/api/v1/notifications", { token: ann.token })).body.total;
		const order = (await shop.api.get(`/api/v1/orders/${annOrderId}`, { token: ann.token })).body;
		const data = {
			orderId: order.id,
			userId: ann.id,
			total: order.total,
			currency: order.currency,
			shippingAddress: order.shippingAddress
		};
		await stack.broker.emit("order.paid", { id: "redelivered-1", type: "order.paid", source: "orders", subject: order.id, data });
		await new Promise(r => setTimeout(r, 300));
		expect((await shop.api.get("/api/v1/notifications", { token: ann.token })).body.total).toBe(before);
	});

	it("POST /notifications/test (admin) sends a test mail to the given address", async () => {
		const r = await shop.api.post("/api/v1/notifications/test", { to: "Ops@Notify.Test" }, { token: shop.adminToken });
		expect(r.status).toBe(201);
		expect(r.body).toMatchObject({ recipient: "ops@notify.test", template: "test", status: "sent", attempts: 1 });
		await mailWithSubject(smtp, "ops@notify.test", "Test email from Moleculer Shop");
		expect((await shop.api.post("/api/v1/notifications/test", { to: "x@notify.test" }, { token: ann.token })).status).toBe(403);
		const bad = await shop.api.post("/api/v1/notifications/test", { to: "not-an-email" }, { token: shop.adminToken });
		expect(bad.status).toBe(422);
		expect(bad.body.error.data[0].field).toBe("to");
	});
});

describe("notifications during an SMTP outage", () => {
	let smtp: TestSmtp;
	let stack: Stack;
	let shop: Shop;

	beforeAll(async () => {
		smtp = await startSmtp();
		stack = await startStack({
			env: { ...E2E_ENV, SMTP_URL: smtp.url, NOTIFY_MAX_ATTEMPTS: "3", NOTIFY_RETRY_DELAY_MS: "40", NOTIFY_SEND_TIMEOUT_MS: "2000" }
		});
		shop = new Shop(stack.baseUrl);
		await shop.loginAdmin();
	});
	afterAll(async () => {
		await stack?.stop();
		await smtp?.stop();
	});

	it("a server refusing mail: the order completes, each mail is retried with backoff, then failed, and kept", async () => {
		smtp.refusing = true;
		const c = await shop.register("Outage");
		const p = await shop.product(9.99, 20);
		const { id } = await shop.placed(c, [{ productId: p.id, quantity: 1 }]);
		const started = Date.now();
		await shop.reaches(c, id, "paid");
		expect(Date.now() - started).toBeLessThan(5000);

		const failed = await eventually("both mails failed", async () => {
			const r = await shop.api.get(`/api/v1/notifications?relatedId=${id}`, { token: shop.adminToken });
			return r.body.total === 2 && r.body.items.every((n: any) => n.status === "failed") ? r.body.items : null;
		});
		for (const n of failed) {
			expect(n).toMatchObject({ recipient: c.email, userId: c.id, attempts: 3, sentAt: null });
			expect(n.lastError).toMatch(/451/);
			expect(n.subject).toMatch(new RegExp(short(id)));
			// Backoff: 40 ms then 80 ms between the three attempts.
			expect(Date.parse(n.updatedAt) - Date.parse(n.createdAt)).toBeGreaterThanOrEqual(100);
		}
		expect(failed.map((n: any) => n.template).sort()).toEqual(["order_confirmed", "order_paid"]);
		expect(smtp.attempts).toBeGreaterThanOrEqual(6);
		expect(smtp.received).toEqual([]);
		// The order itself is untouched by the mail trouble.
		expect((await shop.api.get(`/api/v1/orders/${id}`, { token: c.token })).body.status).toBe("paid");
	});

	it("a refused first attempt is retried and delivered once the server accepts again", async () => {
		smtp.refusing = true;
		const r = await shop.api.post("/api/v1/notifications/test", { to: "retry@notify.test" }, { token: shop.adminToken });
		expect(r.status).toBe(201);
		expect(r.body).toMatchObject({ status: "pending", attempts: 1, lastError: expect.stringMatching(/451/) });
		smtp.refusing = false;
		const sent = await eventually("retried test mail sent", async () => {
			const n = await shop.api.get(`/api/v1/notifications/${r.body.id}`, { token: shop.adminToken });
			return n.body.status === "sent" ? n.body : null;
		});
		expect(sent.attempts).toBe(2);
		expect(sent.lastError).toBeNull();
		await mailWithSubject(smtp, "retry@notify.test", "Test email from Moleculer Shop");
	});

	it("a server that is gone (connection refused): retried, then failed with the error", async () => {
		await smtp.stop();
		const r = await shop.api.post("/api/v1/notifications/test", { to: "gone@notify.test" }, { token: shop.adminToken });
		expect(r.status).toBe(201);
		const failed = await eventually("test mail failed", async () => {
			const n = await shop.api.get(`/api/v1/notifications/${r.body.id}`, { token: shop.adminToken });
			return n.body.status === "failed" ? n.body : null;
		});
		expect(failed.attempts).toBe(3);
		expect(failed.lastError).toMatch(/ECONNREFUSED|connect/i);
	});
});

describe("notifications without SMTP_URL", () => {
	let stack: Stack;
	let shop: Shop;

	beforeAll(async () => {
		stack = await startStack({ env: { ...E2E_ENV, SMTP_URL: undefined } });
		shop = new Shop(stack.baseUrl);
		await shop.loginAdmin();
	});
	afterAll(() => stack?.stop());

	/** Every message of the mbox files under DATA_DIR/mail, in the order they were appended. */
	function mailbox(): string[] {
		const dir = path.join(stack.dataDir, "mail");
		return fs
			.readdirSync(dir)
			.filter(f => /^\d{4}-\d{2}-\d{2}\.mbox$/.test(f))
			.sort()
			.flatMap(f => mboxMessages(fs.readFileSync(path.join(dir, f), "utf8")));
	}

	it("appends each mail to the day's mbox file under DATA_DIR/mail", async () => {
		const r = await shop.api.post("/api/v1/notifications/test", { to: "dev@notify.test" }, { token: shop.adminToken });
		expect(r.status).toBe(201);
		expect(r.body.status).toBe("sent");
		const today = new Date().toISOString().slice(0, 10);
		const file = fs.readFileSync(path.join(stack.dataDir, "mail", `${today}.mbox`), "utf8");
		expect(file).toMatch(/^From shop@localhost (Sun|Mon|Tue|Wed|Thu|Fri|Sat) [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4}\n/);
		const messages = mailbox();
		expect(messages).toHaveLength(1);
		const parsed = await simpleParser(messages[0]);
		expect((parsed.to as { text: string }).text).toBe("dev@notify.test");
		expect(parsed.subject).toBe("Test email from Moleculer Shop");
		expect(parsed.from?.value).toEqual([{ address: "shop@localhost", name: "" }]);
	});

	it("writes the order mails too", async () => {
		const c = await shop.register("Files");
		const p = await shop.product(3, 10);
		const { id } = await shop.placed(c, [{ productId: p.id, quantity: 2 }]);
		await shop.reaches(c, id, "paid");
		await eventually("two order mails on disk", async () => {
			const mails = mailbox().filter(t => t.includes(`To: ${c.email}`));
			return mails.length === 2 && mails.every(t => t.replace(/=\n/g, "").includes(`Total: 6.00 ${p.currency}`));
		});
	});
});
