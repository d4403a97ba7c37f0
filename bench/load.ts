/**
 * The load generator of bench/http.ts, in the benchmark's process (the servers it measures run in
 * processes of their own): autocannon, or an open load at a fixed rate (bench/load-at-rate.ts),
 * a warm-up then the measured run; answers requests/s, p50, p99 and the error count.
 */
import autocannon from "autocannon";
import { percentile, runAtRate, type RateJob } from "./load-at-rate";

export interface LoadJob {
	url: string;
	method?: "GET" | "POST";
	body?: string;
	headers?: Record<string, string>;
	/** Bearer tokens handed out in turn, one per request (POST /orders as many customers). */
	tokens?: string[];
	connections: number;
	/** Requests per second over all connections, as an open load (bench/load-at-rate.ts); none: as fast as answered. */
	overallRate?: number;
	durationSeconds: number;
	warmupSeconds: number;
}

export interface LoadResult {
	requests: number;
	/** Answered during the warm-up (not in the figures). */
	warmupRequests: number;
	requestsPerSecond: number;
	p50Ms: number;
	p99Ms: number;
	/** Connection errors, timeouts and responses outside 2xx/3xx. */
	errors: number;
	statusCodes: Record<string, number>;
}

function run(job: LoadJob, seconds: number): Promise<autocannon.Result> {
	let next = 0;
	const tokens = job.tokens ?? [];
	const request: autocannon.Request = {
		method: job.method ?? "GET",
		body: job.body,
		headers: { ...job.headers, ...(job.body ? { "content-type": "application/json" } : {}) }
	};
	if (tokens.length)
		request.setupRequest = req => ({
			...req,
			headers: { ...req.headers, authorization: `Bearer ${tokens[next++ % tokens.length]}` }
		});
	return autocannon({ url: job.url, connections: job.connections, duration: seconds, pipelining: 1, requests: [request] });
}

/** The same job as an open load at job.overallRate requests per second (bench/load-at-rate.ts). */
async function measureAtRate(job: LoadJob & { overallRate: number }): Promise<LoadResult> {
	const rateJob = (seconds: number): RateJob => ({
		url: job.url,
		method: job.method ?? "GET",
		body: job.body,
		headers: { ...job.headers, ...(job.body ? { "content-type": "application/json" } : {}) },
		tokens: job.tokens ?? [],
		connections: job.connections,
		rate: job.overallRate,
		seconds
	});
	const warmup = job.warmupSeconds > 0 ? await runAtRate(rateJob(job.warmupSeconds)) : null;
	const r = await runAtRate(rateJob(job.durationSeconds));
	return {
		requests: r.latenciesMs.length,
		warmupRequests: warmup?.latenciesMs.length ?? 0,
		requestsPerSecond: Math.round(r.latenciesMs.length / r.seconds),
		p50Ms: Math.round(percentile(r.latenciesMs, 50)),
		p99Ms: Math.round(percentile(r.latenciesMs, 99)),
		errors: r.errors,
		statusCodes: r.statusCodes
	};
}

export async function measure(job: LoadJob): Promise<LoadResult> {
	if (job.overallRate) return measureAtRate({ ...job, overallRate: job.overallRate });
	const warmup = job.warmupSeconds > 0 ? await run(job, job.warmupSeconds) : null;
	const r = await run(job, job.durationSeconds);
	const statusCodes = Object.fromEntries(
		Object.entries((r as unknown as { statusCodeStats: Record<string, { count: number }> }).statusCodeStats ?? {}).map(([k, v]) => [
			k,
			Number(v.count)
		])
	);
	const bad = Object.entries(statusCodes)
		.filter(([code]) => Number(code) >= 400)
		.reduce((n, [, count]) => n + count, 0);
	return {
		requests: r.requests.total,
		warmupRequests: warmup?.requests.total ?? 0,
		requestsPerSecond: Math.round(r.requests.total / r.duration),
		p50Ms: r.latency.p50,
		p99Ms: r.latency.p99,
		errors: r.errors + r.timeouts + bad,
		statusCodes
	};
}
