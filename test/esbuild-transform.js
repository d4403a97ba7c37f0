// Jest transformer: TypeScript to CommonJS with esbuild (already here through tsx), type-free and fast.
// Types are checked once by `npm run typecheck`, not per test file.
const { transformSync } = require("esbuild");

module.exports = {
	process(source, filename) {
		const { code, map } = transformSync(source, {
			loader: filename.endsWith(".ts") ? "ts" : "js",
			format: "cjs",
			target: "node22",
			sourcemap: "external",
			sourcefile: filename
		});
		return { code, map };
	}
};
