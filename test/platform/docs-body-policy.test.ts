/**
 * Regression (found by test/fuzz): the /docs routes skipped the gateway's body policy, so a body
 * sent to them was never read. A text/plain body answered 200, and a 1 MB body on
 * GET /api/v1/docs/swagger-ui.css had its connection reset while the file was being sent: the
 * client got a truncated answer. They now answer like every route: 415, 413, the error body.
 */
import http from "node:http";
import { startStack, type Stack } from "../helpers/stack";

/** A GET with a body (fetch cannot send one), answered in full or failing. */
function getWithBody(baseUrl: string, path: string, body: Buffer, contentType: string) {
	const { hostname, port } = new URL(baseUrl);
	return new Promise<{ status: number; type: string; text: string }>((resolve, reject) => {
		const req = http.request(
			{
				host: hostname,
				port,
				method: "GET",
				path,
				agent: false,
				headers: { "content-type": contentType, "content-length": body.length }
			},
			res => {
				const chunks: Buffer[] = [];
				res.on("data", c => chunks.push(c));
				res.on("end", () =>
					resolve({ status: res.statusCode!, type: String(res.headers["content-type"]), text: Buffer.concat(chunks).toString() })
				);
				res.on("error", reject);
			}
		);
		req.on("error", reject);
		req.end(body);
	});
}

describe("the /docs routes apply the body policy", () => {
	let stack: Stack;
	beforeAll(async () => {
		stack = await startStack({ services: ["api"] });
	});
	afterAll(() => stack?.stop());

	it("answers 413 with the error body to a body over the limit, in full", async () => {
		const r = await getWithBody(stack.baseUrl, "/api/v1/docs/swagger-ui.css", Buffer.alloc(1_100_000, "x"), "application/json");
		expect(r.status).toBe(413);
		expect(r.type).toMatch(/^application\/json/);
		expect(JSON.parse(r.text)).toEqual({ error: { type: "PAYLOAD_TOO_LARGE", message: expect.any(String), code: 413 } });
	});

	it("answers 415 to a body that is not JSON, and still serves the file without a body", async () => {
		const r = await getWithBody(stack.baseUrl, "/docs", Buffer.from('{"a":1}'), "text/plain");
		expect(r.status).toBe(415);
		expect(JSON.parse(r.text).error).toMatchObject({ type: "UNSUPPORTED_MEDIA_TYPE", code: 415 });
		const page = await fetch(`${stack.baseUrl}/api/v1/docs/swagger-ui.css`);
		expect(page.status).toBe(200);
		expect((await page.text()).length).toBeGreaterThan(10_000);
	});
});
