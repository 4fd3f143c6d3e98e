import { buildForecasterConfig } from "./config.js";
import { systemClock } from "./io/clock.js";
import { MemoryConfigMapStore, MemoryLeaseStore } from "../test/fakes/memory-kube.js";
import { ForecasterMetrics } from "./io/metrics.js";
import { RecordingNotifier } from "../test/fakes/recording-notifier.js";
import { createRuntime, EXIT_LEASE_HELD, hungCycleReason, runLeasedCycle, runOnce, startScheduled } from "./main.js";
import { configMap, FakeTrafficSource, quietLog, TableForecaster } from "../test/fakes/cycle-fakes.js";

const CONFIG = "domain: edge\ndescriptors:\n  - key: PARTNER\n    value: acme\n    rate_limit: {unit: minute, requests_per_unit: 100}\n";

function config(settings = "forecaster:\n  lease: {durationSeconds: 5}\n") {
  const built = buildForecasterConfig({ env: { POD_NAMESPACE: "trendmaster", TRENDMASTER_SETTINGS: "/s.yaml" }, readText: () => settings, overrides: { sourceDir: "/unused" } });
  if (!built.ok) throw new Error(built.problems.join("; "));
  return built.config;
}

async function runtime(leases: MemoryLeaseStore, store: MemoryConfigMapStore, delayMs: number, settings?: string) {
  const table = new TableForecaster({ "edge.PARTNER_acme": 200 });
  return createRuntime(config(settings), {
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

describe("liveness", () => {
  it("names a cycle hung only once it runs past maxCycleMinutes", () => {
    const start = Date.UTC(2026, 10, 26, 12);
    expect(hungCycleReason(undefined, start, 120)).toBeUndefined();
    expect(hungCycleReason(start, start + 120 * 60_000, 120)).toBeUndefined();
    expect(hungCycleReason(start, start + 121 * 60_000, 120)).toBe("a cycle has run for 121 minutes, more than forecaster.maxCycleMinutes (120): it is hung");
  });

  it("/healthz fails while a cycle is hung, and recovers when it ends", async () => {
    const store = new MemoryConfigMapStore();
    store.putAs("kubectl", configMap("istio-system", "ratelimit-config", { "config.yaml": CONFIG }));
    const settings = "forecaster:\n  lease: {durationSeconds: 5}\n  runOnStart: true\n  maxCycleMinutes: 30\n  metrics: {port: 0}\n";
    const rt = await runtime(new MemoryLeaseStore(), store, 1500, settings);
    let now = Date.UTC(2026, 10, 26, 12);
    const scheduled = await startScheduled(rt, { nowMs: () => now });
    const healthz = async () => {
      const res = await fetch(`http://127.0.0.1:${scheduled.httpPort}/healthz`);
      return `${res.status} ${await res.text()}`;
    };
    try {
      expect(await healthz()).toBe("200 ok\n");
      now += 31 * 60_000; // the cycle (still forecasting) is now 31 minutes old
      expect(await healthz()).toBe("503 unhealthy: a cycle has run for 31 minutes, more than forecaster.maxCycleMinutes (30): it is hung\n");
      for (let i = 0; i < 100 && (await healthz()) !== "200 ok\n"; i++) await new Promise((r) => setTimeout(r, 100));
      expect(await healthz()).toBe("200 ok\n");
    } finally {
      await scheduled.stop("test over");
    }
  }, 20_000);

  it("refuses a maxCycleMinutes that is not a positive number of minutes", () => {
    const built = buildForecasterConfig({ env: { POD_NAMESPACE: "trendmaster", TRENDMASTER_SETTINGS: "/s.yaml" }, readText: () => "forecaster:\n  maxCycleMinutes: 0\n", overrides: { sourceDir: "/unused" } });
    expect(built.ok).toBe(false);
    expect(built.ok ? [] : built.problems.join("\n")).toContain("maxCycleMinutes");
  });
});
