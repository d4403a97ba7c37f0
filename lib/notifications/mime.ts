/**
 * The MIME text of a notification mail: multipart/alternative with a plain-text and an HTML part
 * (or the text alone), UTF-8, quoted-printable bodies, an RFC 2047 subject when it is not plain
 * ASCII. Built directly because nodemailer's composer (streams, per-part random boundaries and
 * encoders) cost about 2 ms of CPU per mail on the event loop every order goes through; both
 * transports (SMTP and mbox files) send this text as it is.
 */
import { randomUUID } from "node:crypto";

export interface MimeMail {
	from: string;
	to: string;
	subject: string;
	text: string;
	html?: string | null;
	messageId: string;
	date: Date;
}

const CRLF = "\r\n";
const LINE_MAX = 76;

/** A header value on one line: CR and LF would start a new header (header injection). */
function singleLine(value: string): string {
	return value.replace(/[\r\n]+/g, " ");
}

/** Encoded words of at most 45 bytes of UTF-8 each (60 base64 characters), folded onto lines. */
function encodeHeaderText(value: string): string {
	const plain = singleLine(value);
	if (/^[\x20-\x7e]*$/.test(plain) && plain.length <= 900) return plain;
	const words: string[] = [];
	let chunk = "";
	for (const ch of plain) {
		if (Buffer.byteLength(chunk + ch) > 45) {
			words.push(chunk);
			chunk = "";
		}
		chunk += ch;
	}
	if (chunk) words.push(chunk);
	return words.map(w => `=?UTF-8?B?${Buffer.from(w).toString("base64")}?=`).join(`${CRLF} `);
}

/** `Name <address>` with a non-ASCII name (MAIL_FROM): the name as encoded words, the address as it is. */
function encodeAddress(value: string): string {
	const plain = singleLine(value);
	const named = /^\s*"?(.*?)"?\s*<([^<>]+)>\s*$/.exec(plain);
	if (/^[\x20-\x7e]*$/.test(plain) || !named) return plain;
	return `${encodeHeaderText(named[1])} <${named[2]}>`;
}

const HEX = Buffer.from("0123456789ABCDEF", "latin1");
const EQUALS = 0x3d;
/** A line that is its own encoding: printable ASCII without '=', shorter than a line, not ending in a space or tab. */
const LITERAL_LINE = /^(?:[\t\x20-\x3c\x3e-\x7e]{0,74}[\x21-\x3c\x3e-\x7e])?$/;
/** The encoded line is written here byte by byte, grown as needed: a string per byte made ten per cent of an order's allocations. */
let scratch = Buffer.allocUnsafe(1024);

/** RFC 2045 quoted-printable of UTF-8 text, CRLF line ends, soft breaks keeping lines to 76 characters. */
export function quotedPrintable(text: string): string {
	const out: string[] = [];
	for (const line of text.split(/\r\n|\r|\n/)) {
		if (LITERAL_LINE.test(line)) out.push(line);
		else out.push(encodeLine(Buffer.from(line, "utf8")));
	}
	return out.join(CRLF);
}

function encodeLine(bytes: Buffer): string {
	// At most three bytes out per byte in, plus a soft break ("=" CRLF) per 25 bytes in.
	const most = bytes.length * 3 + Math.ceil(bytes.length / 25) * 3;
	if (scratch.length < most) scratch = Buffer.allocUnsafe(most * 2);
	let n = 0;
	let column = 0;
	for (let i = 0; i < bytes.length; i++) {
		const b = bytes[i]!;
		// Space and tab stay literal except at a line's end, where transports may strip them.
		const literal = (b >= 33 && b <= 126 && b !== EQUALS) || ((b === 32 || b === 9) && i < bytes.length - 1);
		const width = literal ? 1 : 3;
		if (column + width > LINE_MAX - 1) {
			scratch[n++] = EQUALS;
			scratch[n++] = 13;
			scratch[n++] = 10;
			column = 0;
		}
		if (literal) scratch[n++] = b;
		else {
			scratch[n++] = EQUALS;
			scratch[n++] = HEX[b >> 4]!;
			scratch[n++] = HEX[b & 15]!;
		}
		column += width;
	}
	return scratch.toString("latin1", 0, n);
}

function part(type: string, body: string): string {
	return [`Content-Type: ${type}; charset=utf-8`, "Content-Transfer-Encoding: quoted-printable", "", quotedPrintable(body)].join(CRLF);
}

/** RFC 5322 date, e.g. "Sun, 22 Nov 2026 06:12:00 +0000". */
function rfc5322Date(date: Date): string {
	return date.toUTCString().replace(/GMT$/, "+0000");
}

/** A Message-ID in the sender's domain. */
export function newMessageId(from: string): string {
	const domain = /@([^>\s]+)>?\s*$/.exec(from)?.[1] ?? "localhost";
	return `<${randomUUID()}@${domain}>`;
}

export function buildMime(mail: MimeMail): string {
	const headers = [
		`From: ${encodeAddress(mail.from)}`,
		`To: ${singleLine(mail.to)}`,
		`Subject: ${encodeHeaderText(mail.subject)}`,
		`Date: ${rfc5322Date(mail.date)}`,
		`Message-ID: ${singleLine(mail.messageId)}`,
		"MIME-Version: 1.0"
	];
	// No line end after a single part's body: it would belong to the text.
	if (!mail.html) return [...headers, part("text/plain", mail.text)].join(CRLF);
	const boundary = `=_shop_${randomUUID()}`;
	return (
		[
			...headers,
			`Content-Type: multipart/alternative; boundary="${boundary}"`,
			"",
			`--${boundary}`,
			part("text/plain", mail.text),
			`--${boundary}`,
			part("text/html", mail.html),
			`--${boundary}--`
		].join(CRLF) + CRLF
	);
}
