/** `npm run bench`: every scenario in one run, one JSON line per scenario, then a table. */
import { benchOrders } from "./orders";
import { benchHttp, writeResults } from "./http";

async function main() {
	const results = [await benchOrders("all-in-one, embedded store")];
	results.push(...(await (await import("./orders-amqp")).benchOrdersAmqp()));
	console.table(
		results.map(r => ({
			scenario: r.scenario,
			"paid/s": r.paidPerSecond,
			"POST/s": r.postsPerSecond,
			"p50 ms": r.p50Ms,
			"p99 ms": r.p99Ms,
			errors: r.httpErrors,
			oversold: r.oversold
		}))
	);
	const http = await benchHttp();
	console.table(
		http.map(r => ({ scenario: r.scenario, "req/s": r.requestsPerSecond, "p50 ms": r.p50Ms, "p99 ms": r.p99Ms, errors: r.errors }))
	);
	writeResults([...results, ...http]);
	if (results.some(r => r.oversold)) {
		console.error("OVERSOLD: paid orders exceed stock");
		process.exit(1);
	}
	process.exit(0);
}

void main();
