/**
 * The MIME text the mailer sends, read back by an independent parser (mailparser, from the
 * nodemailer project): what the customer's mail client will see.
 */
import fc from "fast-check";
import { simpleParser } from "mailparser";
import { buildMime, newMessageId, quotedPrintable, type MimeMail } from "../../lib/notifications/mime";

const date = new Date("2026-11-22T06:12:00.000Z");

/** RFC 2045 decoding, written apart from the encoder: soft breaks removed, =XX back to its byte, UTF-8. */
function decodeQuotedPrintable(qp: string): string {
	const joined = qp.replace(/=\r\n/g, "");
	const bytes: number[] = [];
	for (let i = 0; i < joined.length; i++) {
		if (joined[i] !== "=") bytes.push(joined.charCodeAt(i));
		else {
			bytes.push(parseInt(joined.slice(i + 1, i + 3), 16));
			i += 2;
		}
	}
	return Buffer.from(bytes).toString("utf8");
}

/** A plain-text mail from shop@localhost; each test changes what it is about. */
const mail = (overrides: Partial<MimeMail> = {}): MimeMail => ({
	from: "shop@localhost",
	to: "a@example.com",
	subject: "Hi",
	text: "x",
	messageId: "<m@localhost>",
	date,
	...overrides
});

describe("notification mail MIME", () => {
	it("carries sender, recipient, a non-ASCII subject, the text and the HTML part intact", async () => {
		const subject = "Bestellung 1A2B3C4D bestätigt — 75,00 € ✓ ".repeat(3).trim();
		const text = `Hallo Jürgen,\n\nSumme: 75,00 €\nA line with = signs, trailing spaces   \n\tand a tab.\n.\n${"long ".repeat(40)}end`;
		const html = `<p>Hallo J&uuml;rgen, <b>75,00 €</b></p>\n<p>${"wide ".repeat(50)}</p>`;
		const raw = buildMime({
			from: "Shop <shop@example.com>",
			to: "juergen@example.com",
			subject,
			text,
			html,
			messageId: "<m1@example.com>",
			date
		});

		expect(raw.split("\r\n").every(line => line.length <= 998)).toBe(true);
		expect(raw.replace(/\r\n/g, "")).not.toMatch(/[\r\n]/);
		const parsed = await simpleParser(raw);
		expect(parsed.from?.value).toEqual([{ address: "shop@example.com", name: "Shop" }]);
		expect((parsed.to as { text: string }).text).toBe("juergen@example.com");
		expect(parsed.subject).toBe(subject);
		expect(parsed.messageId).toBe("<m1@example.com>");
		expect(parsed.date?.toISOString()).toBe(date.toISOString());
		expect(parsed.text).toBe(text);
		expect(parsed.html).toBe(html);
	});

	it("encodes a sender name that is not ASCII, keeping its address; the whole message is 7-bit", async () => {
		const raw = buildMime(mail({ from: "Café Grüße <shop@example.com>", subject: "Grüße", text: "Grüße", html: "<p>Grüße</p>" }));
		expect([...raw].every(ch => ch.charCodeAt(0) < 128)).toBe(true);
		const parsed = await simpleParser(raw);
		expect(parsed.from?.value).toEqual([{ address: "shop@example.com", name: "Café Grüße" }]);
	});

	it("sends text alone when there is no HTML", async () => {
		const parsed = await simpleParser(buildMime(mail({ text: "Only text" })));
		expect(parsed.text).toBe("Only text");
		expect(parsed.html).toBe(false);
	});

	it("cannot be given extra headers through a subject or an address with line breaks", async () => {
		const raw = buildMime(mail({ to: "a@example.com\r\nBcc: victim@example.com", subject: "Hi\r\nBcc: victim@example.com" }));
		const parsed = await simpleParser(raw);
		expect(parsed.bcc).toBeUndefined();
		expect(raw).not.toMatch(/^Bcc:/im);
	});

	it("quoted-printable keeps lines within 76 characters and escapes '=' and line-end spaces", () => {
		const qp = quotedPrintable(`a=b  \n${"é".repeat(60)}`);
		expect(qp.split("\r\n").every(l => l.length <= 76)).toBe(true);
		expect(qp.startsWith("a=3Db =20\r\n")).toBe(true);
	});

	it("quoted-printable of any text decodes back to it, in 7-bit lines of at most 76 characters (fast-check)", () => {
		const line = fc.oneof(
			fc.string({ maxLength: 120 }),
			fc.string({ unit: "grapheme", maxLength: 90 }),
			fc.constantFrom("", " ", "\t", "=", "a ", "x".repeat(75), `${"x".repeat(74)} `)
		);
		fc.assert(
			fc.property(fc.array(line, { maxLength: 6 }), fc.constantFrom("\n", "\r\n", "\r"), (lines, eol) => {
				const text = lines.join(eol);
				const qp = quotedPrintable(text);
				const out = qp.split("\r\n");
				expect(out.every(l => l.length <= 76 && /^[\x20-\x7e\t]*$/.test(l) && !/[ \t]$/.test(l))).toBe(true);
				expect(decodeQuotedPrintable(qp)).toBe(lines.join("\r\n"));
			}),
			{ numRuns: 500 }
		);
	});

	it("gives each message a unique Message-ID in the sender's domain", () => {
		const a = newMessageId("Shop <shop@example.com>");
		expect(a).toMatch(/^<[0-9a-f-]{36}@example\.com>$/);
		expect(newMessageId("Shop <shop@example.com>")).not.toBe(a);
		expect(newMessageId("noreply")).toMatch(/@localhost>$/);
	});
});
