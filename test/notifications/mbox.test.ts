/**
 * The mbox entries the file transport appends: separator lines, mboxrd quoting of body lines that
 * start with "From ", and reading the messages back (then parsed by mailparser).
 */
import { simpleParser } from "mailparser";
import { mboxEntry, mboxMessages } from "../../lib/notifications/mbox";
import { buildMime } from "../../lib/notifications/mime";

const date = new Date("2026-11-02T06:05:09.000Z");

function raw(text: string, subject = "Hi"): string {
	return buildMime({ from: "Shop <shop@example.com>", to: "a@example.com", subject, text, messageId: "<m@example.com>", date });
}

describe("mbox entries", () => {
	it("start with the sender's bare address and the asctime date in UTC, and end with a blank line", () => {
		const entry = mboxEntry("Shop <shop@example.com>", raw("x"), date);
		expect(entry.startsWith("From shop@example.com Mon Nov  2 06:05:09 2026\n")).toBe(true);
		expect(entry.endsWith("\n\n")).toBe(true);
		expect(entry).not.toContain("\r");
	});

	it("quote body lines that would read as a separator, and give every message back as it was", async () => {
		const tricky = "From the shop\n>From quoted\nnot From here";
		const file =
			mboxEntry("shop@example.com", raw(tricky, "first"), date) + mboxEntry("shop@example.com", raw("second body", "second"), date);

		expect(file.match(/^From /gm)).toHaveLength(2);
		const messages = mboxMessages(file);
		expect(messages).toHaveLength(2);
		// A message that did not end with a line end gets one.
		expect(messages[0]).toBe(raw(tricky, "first").replace(/\r\n/g, "\n") + "\n");
		const first = await simpleParser(messages[0]);
		expect(first.subject).toBe("first");
		expect(first.text?.trim()).toBe(tricky);
		expect((await simpleParser(messages[1])).text?.trim()).toBe("second body");
	});
});
