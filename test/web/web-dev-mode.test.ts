/**
 * `npm run dev` (WEB_DEV=true): the gateway of a real server process serves the apps through Vite's
 * dev server, straight from web/ (sources compiled on request, Vite's HMR client in the page), and
 * the API beside them as always.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort, startNode, waitFor, type NodeProcess } from "../helpers/processes";

jest.setTimeout(60_000);

describe("web apps in dev mode (WEB_DEV=true, a real server process)", () => {
	const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "shop-web-dev-"));
	let node: NodeProcess;
	let base: string;

	beforeAll(async () => {
		const port = await freePort();
		base = `http://127.0.0.1:${port}`;
		node = startNode("dev", { WEB_DEV: "true", PORT: String(port), HOST: "127.0.0.1", DATA_DIR: dataDir, SERVICES: "api,products" });
		await waitFor("the gateway", async () => (await fetch(`${base}/api/v1/health/live`).catch(() => null))?.ok, 40_000);
	});

	afterAll(async () => {
		await node?.stop();
		fs.rmSync(dataDir, { recursive: true, force: true });
	});

	it("serves the storefront's page with Vite's client and its sources compiled on request", async () => {
		const page = await fetch(`${base}/products/x`, { headers: { accept: "text/html" } });
		expect(page.status).toBe(200);
		const html = await page.text();
		expect(html).toContain('<script type="module" src="/@vite/client"></script>');
		expect(html).toContain('src="/src/main.tsx"');
		const main = await fetch(`${base}/src/main.tsx`);
		expect(main.status).toBe(200);
		expect(main.headers.get("content-type")).toMatch(/javascript/);
		expect(await main.text()).toMatch(/import .*preact/);
	});

	it("keeps the API's routes and JSON answers", async () => {
		const r = await fetch(`${base}/api/v1/products`);
		expect(r.status).toBe(200);
		expect(((await r.json()) as { items: unknown[] }).items).toEqual([]);
		expect((await fetch(`${base}/api/v1/nope`, { headers: { accept: "text/html" } })).headers.get("content-type")).toBe(
			"application/json; charset=utf-8"
		);
	});
});
