/**
 * The baseline the gateway's cached read is compared with: a bare node:http server answering every
 * request with the same JSON, in a process of its own started with the shop's Node flags.
 * startBareServer() spawns this file; run as a child it serves BENCH_BARE_BODY on PORT.
 */
import http from "node:http";
import path from "node:path";
import { freePort, spawnNode, waitFor200, type NodeProcess } from "./processes";

export async function startBareServer(body: unknown): Promise<NodeProcess & { url: string }> {
	const port = await freePort();
	const started = performance.now();
	const proc = spawnNode(
		__filename,
		{ ...process.env, PORT: String(port), BENCH_BARE_BODY: JSON.stringify(body) },
		path.join(__dirname, "..")
	);
	const url = `http://127.0.0.1:${port}`;
	try {
		await waitFor200(url, proc, started, 60_000);
	} catch (err) {
		await proc.stop(5000);
		throw err;
	}
	return { ...proc, url };
}

if (require.main === module) {
	const body: unknown = JSON.parse(process.env.BENCH_BARE_BODY ?? "{}");
	http.createServer((_req, res) => {
		res.setHeader("Content-Type", "application/json; charset=utf-8");
		// Serialized per request, as the baseline always was (the gateway sends its cached bytes).
		res.end(JSON.stringify(body));
	}).listen(Number(process.env.PORT), "127.0.0.1");
}
