/**
 * An open load at a fixed rate (as wrk2 does): request i is due at start + i / rate whether or not
 * earlier answers came back, over at most `connections` keep-alive connections, and its latency is
 * counted from when it was due, so time spent waiting for a free connection counts too (no
 * coordinated omission). autocannon's own rate option sends each connection's share of a second in
 * one burst at the start of that second, which measures the burst rather than the rate.
 */
import http from "node:http";

export interface RateJob {
	url: string;
	method: "GET" | "POST";
	body?: string;
	/** Bodies handed out in turn, one per request, in place of `body` (orders for many products). */
	bodies?: string[];
	headers: Record<string, string>;
	/** Bearer tokens handed out in turn, one per request. */
	tokens: string[];
	connections: number;
	rate: number;
	seconds: number;
	/** A request not answered this long after it was sent counts as an error ("timeout"). */
	timeoutMs?: number;
}

export interface RateRun {
	latenciesMs: number[];
	errors: number;
	statusCodes: Record<string, number>;
	seconds: number;
}

export function percentile(sorted: number[], p: number): number {
	if (!sorted.length) return 0;
	return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

export async function runAtRate(job: RateJob): Promise<RateRun> {
	// A socket left idle (the agent reuses the most recent ones first) is closed by the client before
	// the server's 5 s keep-alive timeout: otherwise a request sent as the server closes it meets an
	// ECONNRESET, a race of the client's making (seen as a few dozen errors in 200,000 orders).
	const agent = new http.Agent({ keepAlive: true, maxSockets: job.connections, timeout: 4_000 });
	const url = new URL(job.url);
	const total = Math.round(job.rate * job.seconds);
	const latenciesMs: number[] = [];
	const statusCodes: Record<string, number> = {};
	let errors = 0;
	let sent = 0;
	const inFlight: Promise<void>[] = [];
	const started = performance.now();

	const send = (dueAt: number, token: string | undefined, body: string | undefined) =>
		new Promise<void>(resolve => {
			let settled = false;
			const failed = (err: NodeJS.ErrnoException) => {
				if (settled) return;
				settled = true;
				// Counted under its code (ECONNRESET...) beside the status codes.
				const code = err.name === "AbortError" || err.code === "ABORT_ERR" ? "timeout" : (err.code ?? "error");
				statusCodes[code] = (statusCodes[code] ?? 0) + 1;
				errors++;
				resolve();
			};
			const req = http.request(
				url,
				{
					agent,
					method: job.method,
					headers: { ...job.headers, ...(token ? { authorization: `Bearer ${token}` } : {}) },
					...(job.timeoutMs ? { signal: AbortSignal.timeout(job.timeoutMs) } : {})
				},
				res => {
					res.resume();
					// Cut off while the body was arriving (the timeout's abort).
					res.once("error", failed);
					res.on("end", () => {
						if (settled) return;
						settled = true;
						statusCodes[res.statusCode ?? 0] = (statusCodes[res.statusCode ?? 0] ?? 0) + 1;
						if ((res.statusCode ?? 0) >= 400) errors++;
						latenciesMs.push(performance.now() - dueAt);
						resolve();
					});
				}
			);
			req.on("error", failed);
			req.end(body);
		});

	while (sent < total) {
		const now = performance.now();
		for (; sent < total && started + (sent * 1000) / job.rate <= now; sent++)
			inFlight.push(
				send(
					started + (sent * 1000) / job.rate,
					job.tokens[sent % job.tokens.length],
					job.bodies ? job.bodies[sent % job.bodies.length] : job.body
				)
			);
		await new Promise(r => setTimeout(r, 1));
	}
	await Promise.all(inFlight);
	agent.destroy();
	latenciesMs.sort((a, b) => a - b);
	return { latenciesMs, errors, statusCodes, seconds: (performance.now() - started) / 1000 };
}
