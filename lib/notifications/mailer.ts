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

/** Message content comes from templates and stored data: nodemailer must never read files or URLs for it. */
const SAFE = { disableFileAccess: true, disableUrlAccess: true };

function message(from: string, mail: OutgoingMail) {
	return { from, to: mail.to, subject: mail.subject, text: mail.text, ...(mail.html ? { html: mail.html } : {}) };
}

export function createMailer(opts: MailerOptions): Mailer {
	if (opts.smtpUrl) {
		const transport = nodemailer.createTransport({
			url: opts.smtpUrl,
			pool: true,
			maxConnections: 3,
			connectionTimeout: opts.timeoutMs,
			greetingTimeout: opts.timeoutMs,
			socketTimeout: opts.timeoutMs,
			...SAFE
		} as Parameters<typeof nodemailer.createTransport>[0]);
		return {
			kind: "smtp",
			description: `SMTP ${maskUri(opts.smtpUrl)}`,
			async send(mail) {
				const info = (await transport.sendMail(message(opts.from, mail))) as { messageId?: string };
				return { messageId: info.messageId };
			},
			close: () => transport.close()
		};
	}

	const dir = mailDirectory(opts.dataDir);
	const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: "unix", ...SAFE });
	let dirReady: Promise<unknown> | null = null;
	return {
		kind: "file",
		description: `.eml files in ${dir}`,
		async send(mail) {
			const info = await transport.sendMail(message(opts.from, mail));
			dirReady ??= fs.promises.mkdir(dir, { recursive: true }).catch(err => {
				dirReady = null;
				throw err;
			});
			await dirReady;
			const stamp = new Date().toISOString().replace(/[:.]/g, "-");
			const file = path.join(dir, `${stamp}-${mail.id}.eml`);
			// Written under a temporary name first, so a reader never sees half a message.
			await fs.promises.writeFile(`${file}.tmp`, info.message as Buffer);
			await fs.promises.rename(`${file}.tmp`, file);
			return { messageId: info.messageId, file };
		},
		close: () => transport.close()
	};
}
