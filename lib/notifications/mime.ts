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

const HEX = "0123456789ABCDEF";
const escapeByte = (b: number) => `=${HEX[b >> 4]}${HEX[b & 15]}`;

/** RFC 2045 quoted-printable of UTF-8 text, CRLF line ends, soft breaks keeping lines to 76 characters. */
export function quotedPrintable(text: string): string {
	const out: string[] = [];
	for (const line of text.split(/\r\n|\r|\n/)) {
		const bytes = Buffer.from(line, "utf8");
		let current = "";
		for (let i = 0; i < bytes.length; i++) {
			const b = bytes[i];
			const last = i === bytes.length - 1;
			// Space and tab stay literal except at a line's end, where transports may strip them.
			const literal = (b >= 33 && b <= 126 && b !== 61) || ((b === 32 || b === 9) && !last);
			const token = literal ? String.fromCharCode(b) : escapeByte(b);
			if (current.length + token.length > LINE_MAX - 1) {
				out.push(`${current}=`);
				current = "";
			}
			current += token;
		}
		out.push(current);
	}
	return out.join(CRLF);
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
