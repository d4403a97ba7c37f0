/**
 * A real SMTP server inside the test (the smtp-server package on 127.0.0.1, a random port, no TLS,
 * no auth): it keeps every message it accepts, and can be told to refuse mail (451, a transient
 * failure) to play a mail outage.
 */
import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";

export interface ReceivedMail {
	from: string;
	to: string[];
	subject: string;
	/** The raw message, soft line breaks and quoted-printable escapes decoded (ASCII content). */
	text: string;
	raw: string;
}

export interface TestSmtp {
	url: string;
	port: number;
	received: ReceivedMail[];
	/** MAIL FROM commands seen, accepted or not (each is one delivery attempt). */
	attempts: number;
	/** While true, every MAIL FROM is answered 451 (try again later). */
	refusing: boolean;
	stop(): Promise<void>;
}

function decode(raw: string): string {
	return raw.replace(/=\r?\n/g, "").replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

function header(raw: string, name: string): string {
	const head = raw.split(/\r?\n\r?\n/)[0].replace(/\r?\n[ \t]+/g, " ");
	const line = head.split(/\r?\n/).find(l => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
	return line ? line.slice(name.length + 1).trim() : "";
}

export async function startSmtp(port = 0): Promise<TestSmtp> {
	const state: TestSmtp = {
		url: "",
		port: 0,
		received: [],
		attempts: 0,
		refusing: false,
		stop: async () => undefined
	};
	const server = new SMTPServer({
		authOptional: true,
		disabledCommands: ["STARTTLS", "AUTH"],
		logger: false,
		onMailFrom(_address, _session, callback) {
			state.attempts++;
			if (state.refusing) return callback(Object.assign(new Error("Mailbox busy, try again later"), { responseCode: 451 }));
			callback();
		},
		onData(stream, session, callback) {
			const chunks: Buffer[] = [];
			stream.on("data", (c: Buffer) => chunks.push(c));
			stream.on("end", () => {
				const raw = Buffer.concat(chunks).toString("utf8");
				state.received.push({
					from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
					to: session.envelope.rcptTo.map(r => r.address),
					subject: header(raw, "Subject"),
					text: decode(raw),
					raw
				});
				callback();
			});
		}
	});
	await new Promise<void>((resolve, reject) => {
		server.once("error", reject);
		server.listen(port, "127.0.0.1", () => resolve());
	});
	state.port = (server.server.address() as AddressInfo).port;
	state.url = `smtp://127.0.0.1:${state.port}`;
	state.stop = () => new Promise<void>(resolve => server.close(() => resolve()));
	return state;
}
