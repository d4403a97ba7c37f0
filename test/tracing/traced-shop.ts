/**
 * One all-in-one node process (server.ts) exporting its spans over OTLP/HTTP to the test's
 * receiver, ready and signed in as the admin: what the tracing tests of one process start from.
 */
import { freePort, startNode, waitFor, type NodeProcess } from "../helpers/processes";
import { E2E_ENV, Shop } from "../orders/shop";
import type { OtlpReceiver } from "./otlp-receiver";

export async function startTracedShop(receiver: OtlpReceiver, env: Record<string, string>): Promise<{ node: NodeProcess; shop: Shop }> {
	const port = await freePort();
	const node = startNode("all-in-one", {
		...E2E_ENV,
		...env,
		PORT: String(port),
		HOST: "127.0.0.1",
		OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
		// Spans leave every 100 ms, so a test waits for them briefly.
		OTEL_BSP_SCHEDULE_DELAY: "100"
	});
	const shop = new Shop(`http://127.0.0.1:${port}`);
	await waitFor("the shop to be ready", async () => (await shop.api.get("/api/v1/health/ready")).status === 200, 60_000).catch(err => {
		throw new Error(`${err.message}\n${node.output()}`);
	});
	await shop.loginAdmin();
	return { node, shop };
}
