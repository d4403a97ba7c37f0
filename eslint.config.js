// @ts-check
const js = require("@eslint/js");
const tseslint = require("typescript-eslint");
const prettier = require("eslint-config-prettier");

module.exports = tseslint.config(
	{ ignores: ["node_modules/", "dist/", "data/", "coverage/", "bench/results.json", "test-artifacts/"] },
	js.configs.recommended,
	...tseslint.configs.recommended,
	prettier,
	{
		files: ["**/*.ts"],
		rules: {
			"@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
			"no-console": "off"
		}
	},
	{
		// Tests and benchmarks read JSON bodies from the wire; typing every response shape would only restate the asserts.
		files: ["test/**/*.ts", "bench/**/*.ts"],
		rules: { "@typescript-eslint/no-explicit-any": "off" }
	},
	{
		files: ["**/*.js"],
		languageOptions: {
			sourceType: "commonjs",
			globals: { require: "readonly", module: "writable", process: "readonly", __dirname: "readonly" }
		},
		rules: { "@typescript-eslint/no-require-imports": "off" }
	}
);
