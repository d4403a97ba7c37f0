/**
 * The mbox format (mboxrd) of the mail directory: each message after a "From <sender> <date>"
 * line, line ends as LF, body lines that start with ">*From " quoted with one more ">", a blank
 * line between messages. Mail clients (Thunderbird, mutt, Apple Mail) open such a file as a folder.
 */

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** asctime(3) in UTC, as the separator line carries it: "Sun Nov 22 07:05:09 2026". */
function asctime(d: Date): string {
	const two = (n: number) => String(n).padStart(2, "0");
	const time = `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;
	return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, " ")} ${time} ${d.getUTCFullYear()}`;
}

/** The bare address of "Name <addr>" (or the value itself), without spaces: the separator line is split on them. */
function bareAddress(from: string): string {
	const angle = /<([^<>]*)>/.exec(from);
	return (angle ? angle[1] : from).replace(/\s+/g, "") || "MAILER-DAEMON";
}

/** One message as it is appended to an mbox file. */
export function mboxEntry(from: string, raw: string, date: Date): string {
	const body = raw.replace(/\r\n/g, "\n").replace(/^(>*From )/gm, ">$1");
	return `From ${bareAddress(from)} ${asctime(date)}\n${body}${body.endsWith("\n") ? "" : "\n"}\n`;
}

/** The messages of an mbox file, each as it was handed to mboxEntry but with LF line ends. */
export function mboxMessages(text: string): string[] {
	return text
		.split(/^From [^\n]*\n/m)
		.slice(1)
		.map(m => m.replace(/\n\n$/, "\n").replace(/^>(>*From )/gm, "$1"));
}
