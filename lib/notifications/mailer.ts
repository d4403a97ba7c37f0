/**
 * How mail leaves the shop: SMTP (nodemailer, pooled) when SMTP_URL is set; otherwise each message
 * is written as an .eml file under DATA_DIR/mail, so the all-in-one mode needs no mail server and
 * a developer can open what would have been sent.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import nodemailer from "nodemailer";
import { maskUri } from "../mask-uri";
import { buildMime, newMessageId } from "./mime";

export interface OutgoingMail {
	/** The notification id; names the .eml file. */
	id: string;
	to: string;
	subject: string;
	text: string;
	html?: string | null;
}

export interface SentMail {
	messageId?: string;
	/** Where the file transport wrote the message. */
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
function compose(from: string, mail: OutgoingMail): { raw: string; messageId: string } {
	const messageId = newMessageId(from);
	return {
		messageId,
		raw: buildMime({ from, to: mail.to, subject: mail.subject, text: mail.text, html: mail.html, messageId, date: new Date() })
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

	const dir = mailDirectory(opts.dataDir);
	let dirReady = false;
	return {
		kind: "file",
		description: `.eml files in ${dir}`,
		async send(mail) {
			const { raw, messageId } = compose(opts.from, mail);
			// One create-and-write: creating a file is the expensive step (about 0.5 ms of kernel time on
			// the CI machine), so the former temporary name plus rename doubled the cost of every mail.
			if (!dirReady) await fs.promises.mkdir(dir, { recursive: true });
			dirReady = true;
			const stamp = new Date().toISOString().replace(/[:.]/g, "-");
			const file = path.join(dir, `${stamp}-${mail.id}.eml`);
			await fs.promises.writeFile(file, raw, { flag: "wx" });
			return { messageId, file };
		},
		close: () => undefined
	};
}
