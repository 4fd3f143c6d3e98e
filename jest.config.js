// Tests are compiled by tsc first (npm test) and jest runs the emitted ESM as-is:
// worker threads (forecast fits) and WASM modules then load exactly as in production.
export default {
  testEnvironment: "node",
  roots: ["<rootDir>/dist"],
  testMatch: ["**/*.test.js"],
  transform: {},
  testTimeout: 60000,
  maxWorkers: 2,
  // A worker that ran half the suite takes 0.5-0.9 s from its 'exit' event to the end of its
  // process (measured: Node tearing down what the worker loaded); Jest's default 500 ms then
  // force-exits it and reports a leak that is not there. A real leak (a handle left open) keeps
  // the worker alive for good, and is still reported after 5 s.
  workerGracefulExitTimeout: 5000,
  setupFiles: ["<rootDir>/test/support/release-stdin.cjs"],
  reporters: ["default", "<rootDir>/test/support/summary-reporter.cjs"],
};
