/**
 * How mail leaves the shop: SMTP (nodemailer, pooled) when SMTP_URL is set; otherwise each message
 * is appended to the day's mbox file under DATA_DIR/mail (lib/notifications/mbox.ts), so the
 * all-in-one mode needs no mail server and a developer can open what would have been sent.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import nodemailer from "nodemailer";
import { maskUri } from "../mask-uri";
import { mboxEntry } from "./mbox";
import { buildMime, newMessageId } from "./mime";

export interface OutgoingMail {
	/** The notification id. */
	id: string;
	to: string;
	subject: string;
	text: string;
	html?: string | null;
}

export interface SentMail {
	messageId?: string;
	/** The mbox file the file transport appended the message to. */
	file?: string;
}

export interface Mailer {
	readonly kind: "smtp" | "file";
	/** For logs: the SMTP URL with its password masked, or the mail directory. */
	readonly description: string;
	send(mail: OutgoingMail): Promise<SentMail>;
	close(): void;
}

export interface MailerOptions {
	smtpUrl: string | null;
	from: string;
	dataDir: string;
	timeoutMs: number;
}

/** The mail directory: DATA_DIR/mail, or a temporary one when the data lives in memory only. */
export function mailDirectory(dataDir: string): string {
	return dataDir === path.resolve(":memory:") ? path.join(os.tmpdir(), "moleculer-shop-mail") : path.join(dataDir, "mail");
}

/** The message as MIME text (lib/notifications/mime.ts), with the Message-ID it carries. */
function compose(from: string, mail: OutgoingMail, date = new Date()): { raw: string; messageId: string } {
	const messageId = newMessageId(from);
	return {
		messageId,
		raw: buildMime({ from, to: mail.to, subject: mail.subject, text: mail.text, html: mail.html, messageId, date })
	};
}

export function createMailer(opts: MailerOptions): Mailer {
	if (opts.smtpUrl) {
		const transport = nodemailer.createTransport({
			url: opts.smtpUrl,
			pool: true,
			maxConnections: 3,
			connectionTimeout: opts.timeoutMs,
			greetingTimeout: opts.timeoutMs,
			socketTimeout: opts.timeoutMs
		} as Parameters<typeof nodemailer.createTransport>[0]);
		return {
			kind: "smtp",
			description: `SMTP ${maskUri(opts.smtpUrl)}`,
			async send(mail) {
				const { raw, messageId } = compose(opts.from, mail);
				// A prepared message: nodemailer only runs the SMTP conversation.
				await transport.sendMail({ envelope: { from: opts.from, to: [mail.to] }, raw });
				return { messageId };
			},
			close: () => transport.close()
		};
	}

	return mboxMailer(opts.from, mailDirectory(opts.dataDir));
}

/**
 * Appends each message to DATA_DIR/mail/<UTC day>.mbox through one descriptor kept open in append
 * mode, with a synchronous write(2) of the whole entry. A file per message cost the creation of a
 * file (0.05 to 1 ms of kernel time each on the CI machine, two per order) where an append into
 * the page cache costs a few microseconds. O_APPEND keeps entries whole when several processes
 * share the directory. Not fsynced: like SMTP hand-off, the mail is in the OS's hands when sent.
 */
function mboxMailer(from: string, dir: string): Mailer {
	let open: { day: string; fd: number; file: string } | null = null;
	const close = () => {
		if (open) fs.closeSync(open.fd);
		open = null;
	};
	const fileFor = (day: string) => {
		if (open?.day === day) return open;
		close();
		fs.mkdirSync(dir, { recursive: true });
		const file = path.join(dir, `${day}.mbox`);
		open = { day, fd: fs.openSync(file, "a", 0o600), file };
		return open;
	};
	return {
		kind: "file",
		description: `mbox files in ${dir}`,
		async send(mail) {
			const date = new Date();
			const { raw, messageId } = compose(from, mail, date);
			const target = fileFor(date.toISOString().slice(0, 10));
			const buf = Buffer.from(mboxEntry(from, raw, date));
			try {
				for (let off = 0; off < buf.length;) off += fs.writeSync(target.fd, buf, off);
			} catch (err) {
				// A descriptor that failed (disk full, file removed underneath) is reopened on the next attempt.
				close();
				throw err;
			}
			return { messageId, file: target.file };
		},
		close
	};
}
