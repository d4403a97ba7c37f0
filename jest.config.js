/** @type {import('jest').Config} */
module.exports = {
	// Node's, with each test's console output printed only when it fails (test/environment.js).
	testEnvironment: "<rootDir>/test/environment.js",
	transform: { "^.+\\.ts$": "<rootDir>/test/esbuild-transform.js" },
	testMatch: ["<rootDir>/test/**/*.test.ts"],
	setupFiles: ["<rootDir>/test/setup-env.js"],
	globalSetup: "<rootDir>/test/global-setup.js",
	testTimeout: 30000,
	maxWorkers: 2
};
