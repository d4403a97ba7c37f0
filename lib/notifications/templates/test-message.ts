/** POST /notifications/test: proves the mail set-up works end to end. */
import { SHOP_NAME, escapeHtml, page, type RenderedMail } from "./layout";

export function testMessage(d: { requestedBy?: string; at: string }): RenderedMail {
	const subject = `Test email from ${SHOP_NAME}`;
	const line = `This is a test message sent at ${d.at}${d.requestedBy ? ` at the request of ${d.requestedBy}` : ""}. Mail delivery works.`;
	return { subject, text: `Hello,\n\n${line}\n\n-- ${SHOP_NAME}`, html: page(subject, `<p>Hello,</p><p>${escapeHtml(line)}</p>`) };
}
