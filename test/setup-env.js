// Quiet, deterministic brokers in tests unless a test says otherwise.
process.env.NODE_ENV = process.env.NODE_ENV || "test";
process.env.LOG_LEVEL = process.env.LOG_LEVEL || "warn";
process.env.JWT_SECRET = process.env.JWT_SECRET || "test-secret-not-for-production";
// Suites register and log in many users from one address; the gateway tests set the login limit themselves.
process.env.RATE_LIMIT_LOGIN_MAX = process.env.RATE_LIMIT_LOGIN_MAX || "100000";
// The periodic stock audit would repair states some suites set up on purpose; its tests run it themselves.
process.env.STOCK_AUDIT_INTERVAL_MS = process.env.STOCK_AUDIT_INTERVAL_MS || "0";
