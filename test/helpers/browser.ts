/**
 * Real headless Chromium for the web apps' end-to-end tests: Debian's `chromium` (CHROMIUM_PATH
 * overrides /usr/bin/chromium) driven by playwright-core. Usage:
 *
 *   const describeE2E = describeWithChromium();
 *   describeE2E("storefront", () => {
 *     const chromium = useChromium(["storefront"]);      // builds the app if stale, launches once
 *     let stack: Stack;
 *     beforeAll(async () => (stack = await startStack()));
 *     browserTest(chromium, "a customer buys", async ({ page }) => {
 *       await page.goto(stack.baseUrl + "/");
 *     });
 *   });
 *
 * Each browserTest gets a fresh context (no cookies, no storage) and fails when a page logged a
 * console error or threw, unless the error matches `allowConsole`. On failure it saves a screenshot
 * of every open page and the pages' whole console under test-artifacts/ (kept by CI as artefacts).
 * Without Chromium the suite skips with a one-line reason on a laptop and fails when CI=true.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { inCI } from "./servers";

const ROOT = path.join(__dirname, "..", "..");
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
export const ARTIFACTS_DIR = path.join(ROOT, "test-artifacts");

/**
 * Where a test saves a screenshot of the docs: docs/images/ with UPDATE_SCREENSHOTS=1 (to refresh
 * the README's pictures), else test-artifacts/, so a test run leaves the checkout as it found it.
 */
export function docsScreenshot(name: string): string {
	const dir = process.env.UPDATE_SCREENSHOTS === "1" ? path.join(ROOT, "docs", "images") : ARTIFACTS_DIR;
	fs.mkdirSync(dir, { recursive: true });
	return path.join(dir, name);
}

/** Quiet, reproducible and offline: no GPU, no sandbox (containers), no background traffic to Google. */
const CHROMIUM_ARGS = [
	"--headless",
	"--no-sandbox",
	"--disable-gpu",
	"--disable-dev-shm-usage",
	"--disable-quic",
	"--no-first-run",
	"--disable-background-networking",
	"--disable-component-update",
	"--disable-sync"
];

export const PHONE = { width: 390, height: 844 };
export const DESKTOP = { width: 1280, height: 800 };

/** `describe` when Chromium is installed; otherwise a printed skip, or a failure in CI. */
export function describeWithChromium(): jest.Describe {
	if (fs.existsSync(CHROMIUM_PATH)) return describe;
	if (inCI)
		return ((title: string) =>
			describe(title, () => {
				it(`needs Chromium at ${CHROMIUM_PATH}`, () => {
					throw new Error(`Chromium is not installed at ${CHROMIUM_PATH} (CHROMIUM_PATH), and CI=true forbids skipping`);
				});
			})) as unknown as jest.Describe;
	console.warn(`skipped: Chromium is not installed at ${CHROMIUM_PATH} (set CHROMIUM_PATH)`);
	return describe.skip;
}

/** Builds the given web apps unless their build is up to date (scripts/build-web.ts --if-stale; concurrent callers wait). */
export function buildWebApps(apps: string[]): void {
	try {
		execFileSync(process.execPath, ["--import", "tsx", "scripts/build-web.ts", "--if-stale", ...apps], {
			cwd: ROOT,
			stdio: "pipe",
			timeout: 120_000
		});
	} catch (err) {
		const e = err as { stdout?: Buffer; stderr?: Buffer; message: string };
		throw new Error(`Building the web apps failed: ${e.message}\n${e.stdout ?? ""}${e.stderr ?? ""}`);
	}
}

export interface ChromiumHandle {
	browser(): Browser;
}

/** Builds `apps` and launches Chromium once for the file (a fresh temporary profile), closed after it. */
export function useChromium(apps: string[]): ChromiumHandle {
	let browser: Browser | undefined;
	beforeAll(async () => {
		buildWebApps(apps);
		browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
	}, 120_000);
	afterAll(async () => {
		await browser?.close();
	});
	return {
		browser() {
			if (!browser) throw new Error("Chromium did not start (see beforeAll)");
			return browser;
		}
	};
}

export interface BrowserTestContext {
	context: BrowserContext;
	/** The first page of the context. */
	page: Page;
	/** Console errors and uncaught exceptions of every page so far. */
	errors: string[];
	/** Another page (tab) in the same context, watched like the first. */
	newPage(): Promise<Page>;
}

export interface BrowserTestOptions {
	viewport?: { width: number; height: number };
	timeoutMs?: number;
	/** Console errors the test expects (matched against "[error] <message> (<url>)"). */
	allowConsole?: RegExp[];
}

function slug(title: string): string {
	return title
		.toLowerCase()
		.replace(/[^a-z0-9]+/g, "-")
		.replace(/^-|-$/g, "")
		.slice(0, 80);
}

/** Screenshots of every open page and the whole console, for a failed test. */
export async function saveArtifacts(title: string, context: BrowserContext, consoleLog: string[]): Promise<string[]> {
	fs.mkdirSync(ARTIFACTS_DIR, { recursive: true });
	const base = path.join(ARTIFACTS_DIR, slug(title));
	const saved: string[] = [];
	for (const [i, page] of context.pages().entries()) {
		const file = `${base}-page${i + 1}.png`;
		if (
			await page.screenshot({ path: file, fullPage: true }).then(
				() => true,
				() => false
			)
		)
			saved.push(file);
	}
	fs.writeFileSync(`${base}.console.log`, consoleLog.join("\n") + "\n");
	saved.push(`${base}.console.log`);
	return saved;
}

/** A test with a fresh browser context; see the file comment. */
export function browserTest(
	chromiumHandle: ChromiumHandle,
	title: string,
	fn: (t: BrowserTestContext) => Promise<void>,
	opts: BrowserTestOptions = {}
): void {
	it(
		title,
		async () => {
			const context = await chromiumHandle.browser().newContext({ viewport: opts.viewport ?? DESKTOP });
			const errors: string[] = [];
			const consoleLog: string[] = [];
			const watch = (page: Page) => {
				page.on("console", msg => {
					const line = `[${msg.type()}] ${msg.text()} (${msg.location().url})`;
					consoleLog.push(`${page.url()} ${line}`);
					if (msg.type() === "error" && !opts.allowConsole?.some(re => re.test(line))) errors.push(line);
				});
				page.on("pageerror", err => {
					consoleLog.push(`${page.url()} [pageerror] ${err.stack ?? err.message}`);
					errors.push(`[pageerror] ${err.message}`);
				});
			};
			context.on("page", watch);
			try {
				const page = await context.newPage();
				await fn({ context, page, errors, newPage: () => context.newPage() });
				expect(errors).toEqual([]);
			} catch (err) {
				const files = await saveArtifacts(title, context, consoleLog).catch(() => []);
				if (err instanceof Error && files.length)
					err.message += `\n(artifacts: ${files.map(f => path.relative(ROOT, f)).join(", ")})`;
				throw err;
			} finally {
				await context.close();
			}
		},
		opts.timeoutMs ?? 60_000
	);
}
