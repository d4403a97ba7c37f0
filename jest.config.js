/** @type {import('jest').Config} */
module.exports = {
	testEnvironment: "node",
	transform: { "^.+\\.ts$": "<rootDir>/test/esbuild-transform.js" },
	testMatch: ["<rootDir>/test/**/*.test.ts"],
	setupFiles: ["<rootDir>/test/setup-env.js"],
	globalSetup: "<rootDir>/test/global-setup.js",
	testTimeout: 30000,
	maxWorkers: 2
};
