/**
 * The import rules of .dependency-cruiser.cjs (run by `npm run lint`) catch what they are meant to
 * catch: each break is planted in a scratch tree laid out like this repository, and the repository
 * itself passes.
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const ROOT = path.join(__dirname, "..", "..");
const DEPCRUISE = path.join(ROOT, "node_modules", ".bin", "depcruise");
const CONFIG = path.join(ROOT, ".dependency-cruiser.cjs");

function depcruise(cwd: string): Promise<{ code: number; output: string }> {
	return new Promise(resolve =>
		execFile(DEPCRUISE, ["--config", CONFIG, "--output-type", "err", "."], { cwd }, (err, stdout, stderr) =>
			resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, output: stdout + stderr })
		)
	);
}

function scratchTree(files: Record<string, string>): string {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), "import-rules-"));
	const all = { "tsconfig.json": JSON.stringify({ compilerOptions: { module: "commonjs", strict: true } }), ...files };
	for (const [file, text] of Object.entries(all)) {
		fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
		fs.writeFileSync(path.join(dir, file), text);
	}
	return dir;
}

describe("import rules (dependency-cruiser)", () => {
	const dirs: string[] = [];
	afterAll(() => dirs.forEach(dir => fs.rmSync(dir, { recursive: true, force: true })));

	it("the repository passes them", async () => {
		const { code, output } = await depcruise(ROOT);
		expect(output).toContain("no dependency violations found");
		expect(code).toBe(0);
	}, 30_000);

	it("fail on lib/ importing services/ or the broker options, a domain's internals, the platform importing a domain, and a cycle", async () => {
		const dir = scratchTree({
			"moleculer.config.ts": "export const options = {};\n",
			"services/orders.service.ts": "export default {};\n",
			"lib/broker/builder.ts": 'import "../../services/orders.service";\nimport "../../moleculer.config";\n',
			// A contract of another domain is allowed, its internals are not.
			"lib/users/sessions.ts": "export const x = 1;\n",
			"lib/orders/params.ts": "export const createParams = {};\n",
			"lib/carts/checkout.ts": 'import "../users/sessions";\nimport "../orders/params";\nimport "../money";\n',
			"lib/money.ts": "export const cents = 1;\n",
			// The platform knows no domain, not even its contracts.
			"lib/users/events.ts": "export const USER_CREATED = 'user.created';\n",
			"lib/metrics/user-counts.ts": 'import "../users/events";\n',
			"lib/a.ts": 'import "./b";\nexport const a = 1;\n',
			"lib/b.ts": 'import "./a";\nexport const b = 1;\n'
		});
		dirs.push(dir);
		const { code, output } = await depcruise(dir);
		expect(code).not.toBe(0);
		expect(output).toContain("lib-not-to-composition: lib/broker/builder.ts → services/orders.service.ts");
		expect(output).toContain("lib-not-to-composition: lib/broker/builder.ts → moleculer.config.ts");
		expect(output).toContain("domain-imports-contracts-only: lib/carts/checkout.ts → lib/users/sessions.ts");
		expect(output).not.toContain("lib/orders/params.ts");
		expect(output).not.toContain("lib/money.ts");
		expect(output).toContain("platform-not-to-domains: lib/metrics/user-counts.ts → lib/users/events.ts");
		expect(output).toMatch(/no-circular: lib\/a\.ts →\s+lib\/b\.ts →\s+lib\/a\.ts/);
	}, 30_000);
});
