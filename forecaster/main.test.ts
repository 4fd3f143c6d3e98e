import { buildForecasterConfig } from "./config.js";
import { systemClock } from "./io/clock.js";
import { MemoryConfigMapStore, MemoryLeaseStore } from "./io/memory-kube.js";
import { ForecasterMetrics } from "./io/metrics.js";
import { RecordingNotifier } from "./io/slack.js";
import { createRuntime, EXIT_LEASE_HELD, runLeasedCycle, runOnce } from "./main.js";
import { configMap, FakeTrafficSource, quietLog, TableForecaster } from "./testing/fakes.js";

const CONFIG = "domain: edge\ndescriptors:\n  - key: PARTNER\n    value: acme\n    rate_limit: {unit: minute, requests_per_unit: 100}\n";

function config() {
  const built = buildForecasterConfig({ env: { POD_NAMESPACE: "trendmaster", TRENDMASTER_SETTINGS: "/s.yaml" }, readText: () => "forecaster:\n  lease: {durationSeconds: 5}\n", overrides: { sourceDir: "/unused" } });
  if (!built.ok) throw new Error(built.problems.join("; "));
  return built.config;
}

async function runtime(leases: MemoryLeaseStore, store: MemoryConfigMapStore, delayMs: number) {
  const table = new TableForecaster({ "edge.PARTNER_acme": 200 });
  return createRuntime(config(), {
    configMaps: store,
    leases,
    traffic: new FakeTrafficSource(),
    forecaster: { forecastRule: async (job) => (await new Promise((r) => setTimeout(r, delayMs)), table.forecastRule(job)) },
    notifier: new RecordingNotifier(),
    clock: systemClock,
    log: quietLog,
    metrics: new ForecasterMetrics(10, { defaultMetrics: false }),
  });
}

describe("cycles under the Lease", () => {
  it("a cycle whose Lease is taken over stops before writing ratelimit-config", async () => {
    const leases = new MemoryLeaseStore();
    const store = new MemoryConfigMapStore();
    store.putAs("kubectl", configMap("istio-system", "ratelimit-config", { "config.yaml": CONFIG }));
    const rt = await runtime(leases, store, 2500);
    const running = runLeasedCycle(rt);
    await new Promise((r) => setTimeout(r, 300));
    // Another forecaster decides the Lease is its own (say, after a long GC pause here).
    const lease = (await leases.get("trendmaster", "trendmaster-forecaster"))!;
    await leases.replace({ ...lease, spec: { ...lease.spec, holderIdentity: "someone-else" } });
    const result = await running;
    expect(result.kind === "ran" && result.report.outcome).toBe("aborted");
    expect(result.kind === "ran" && result.report.errors[0]).toContain("was taken over by someone-else");
    expect((await store.get("istio-system", "ratelimit-config"))?.data?.["config.yaml"]).toBe(CONFIG);
  }, 15_000);

  it("run --once exits 75 while another forecaster holds the Lease", async () => {
    const leases = new MemoryLeaseStore();
    const store = new MemoryConfigMapStore();
    store.putAs("kubectl", configMap("istio-system", "ratelimit-config", { "config.yaml": CONFIG }));
    const [a, b] = await Promise.all([runtime(leases, store, 500), runtime(leases, store, 500)]);
    const printed: string[] = [];
    const results = await Promise.all([runOnce(a, (t) => printed.push(t)), runOnce(b, (t) => printed.push(t))]);
    expect(results.map((r) => r.exitCode).sort()).toEqual([0, EXIT_LEASE_HELD]);
    expect(printed.join("")).toMatch(/another forecaster holds the Lease \(.+\): no cycle run; retry later/);
  });
});
