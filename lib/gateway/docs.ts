/**
 * The interactive API docs at /docs: swagger-ui from the swagger-ui-dist package, served by the
 * gateway itself (no CDN, so it works offline), pointed at the generated /api/v1/openapi.json.
 * The page loads only files of ours (the CSP of /docs allows 'self' scripts), so the start-up code
 * is a file too, not an inline script.
 */
import fs from "node:fs";
import path from "node:path";
import { etagOf } from "./response-cache";

export interface DocsFile {
	body: Buffer;
	contentType: string;
	etag: string;
}

const DIST_FILES: Record<string, string> = {
	"swagger-ui.css": "text/css; charset=utf-8",
	"swagger-ui-bundle.js": "text/javascript; charset=utf-8",
	"swagger-ui-standalone-preset.js": "text/javascript; charset=utf-8",
	"favicon-32x32.png": "image/png",
	"favicon-16x16.png": "image/png"
};

function page(base: string): string {
	return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Shop API</title>
<link rel="stylesheet" href="${base}/swagger-ui.css">
<link rel="icon" type="image/png" href="${base}/favicon-32x32.png" sizes="32x32">
</head>
<body>
<div id="swagger-ui"></div>
<script src="${base}/swagger-ui-bundle.js"></script>
<script src="${base}/swagger-ui-standalone-preset.js"></script>
<script src="${base}/init.js"></script>
</body>
</html>
`;
}

function init(specUrl: string): string {
	return `window.ui = SwaggerUIBundle({
	url: ${JSON.stringify(specUrl)},
	dom_id: "#swagger-ui",
	deepLinking: true,
	validatorUrl: null,
	presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
	plugins: [SwaggerUIBundle.plugins.DownloadUrl],
	layout: "StandaloneLayout"
});
`;
}

/** The files of /docs by name ("" is the page), read once from swagger-ui-dist. */
export class DocsAssets {
	private files: Map<string, DocsFile> | null = null;

	constructor(
		private readonly base = "/docs",
		private readonly specUrl = "/api/v1/openapi.json"
	) {}

	get(name: string): DocsFile | undefined {
		this.files ??= this.load();
		return this.files.get(name);
	}

	private load(): Map<string, DocsFile> {
		const dir = path.dirname(require.resolve("swagger-ui-dist/package.json"));
		const files = new Map<string, DocsFile>();
		const add = (name: string, body: Buffer, contentType: string) => files.set(name, { body, contentType, etag: etagOf(body) });
		add("", Buffer.from(page(this.base)), "text/html; charset=utf-8");
		add("init.js", Buffer.from(init(this.specUrl)), "text/javascript; charset=utf-8");
		for (const [name, type] of Object.entries(DIST_FILES)) add(name, fs.readFileSync(path.join(dir, name)), type);
		return files;
	}
}
