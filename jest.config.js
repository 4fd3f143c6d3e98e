// Tests are compiled by tsc first (npm test) and jest runs the emitted ESM as-is:
// worker threads (forecast fits) and WASM modules then load exactly as in production.
export default {
  testEnvironment: "node",
  roots: ["<rootDir>/dist"],
  testMatch: ["**/*.test.js"],
  transform: {},
  testTimeout: 60000,
  maxWorkers: 2,
  setupFiles: ["<rootDir>/test/support/release-stdin.cjs"],
  reporters: ["default", "<rootDir>/test/support/summary-reporter.cjs"],
};
