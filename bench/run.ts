/**
 * `npm run bench`: every scenario in one run, the shop in a process of its own for each (and the
 * bare baseline in another), one line per figure as measured, then a summary block to paste into
 * the docs; everything also goes to bench/results.json.
 */
import { benchHttp, HTTP_SETTINGS, writeResults } from "./http";
import { benchOrders } from "./orders";
import { benchOrdersAmqp } from "./orders-amqp";
import { machine, printSummary } from "./report";

async function main() {
	const startedMachine = machine();
	console.log(`npm run bench: ${HTTP_SETTINGS}; ${startedMachine}`);
	const results = [await benchOrders("all-in-one, embedded store")];
	results.push(...(await benchOrdersAmqp()));
	const http = await benchHttp();
	writeResults([...results, ...http]);
	printSummary("npm run bench", HTTP_SETTINGS, startedMachine);
	if (results.some(r => r.oversold)) {
		console.error("OVERSOLD: paid orders exceed stock");
		process.exit(1);
	}
	process.exit(0);
}

main().catch(err => {
	console.error(err);
	process.exit(1);
});
