// A recording (CSV files) is forecast from where it ends, not from the clock: the same files give
// the same recommendations whatever day the cycle runs.
import type { LimitedRule } from "../ratelimit/rule.js";
import { runCycle, type CycleDeps } from "./cycle.js";
import { FakeClock } from "../test/fakes/fake-clock.js";
import { MemoryConfigMapStore } from "../test/fakes/memory-kube.js";
import { RecordingNotifier } from "../test/fakes/recording-notifier.js";
import { configMap, FakeTrafficSource, quietLog, TableForecaster, testCycleSettings } from "../test/fakes/cycle-fakes.js";

const CONFIG = "domain: edge\ndescriptors:\n  - key: PARTNER\n    value: acme\n    rate_limit: {unit: minute, requests_per_unit: 100}\n";
const NOW = Date.parse("2026-12-05T23:47:13Z");

class RecordedTraffic extends FakeTrafficSource {
  constructor(private readonly latestMs: number | undefined) {
    super();
  }
  async latestRecordedMs(_rules: readonly LimitedRule[]): Promise<number | undefined> {
    return this.latestMs;
  }
}

class OriginRecordingForecaster extends TableForecaster {
  origins: number[] = [];
  override async forecastRule(job: Parameters<TableForecaster["forecastRule"]>[0]) {
    this.origins.push(job.nowMs);
    return super.forecastRule(job);
  }
}

async function cycleOver(traffic: FakeTrafficSource) {
  const store = new MemoryConfigMapStore();
  store.putAs("kubectl-edit", configMap("istio-system", "ratelimit-config", { "config.yaml": CONFIG }));
  const forecaster = new OriginRecordingForecaster({ "edge.PARTNER_acme": 200 }, NOW);
  const deps: CycleDeps = { configMaps: store, traffic, forecaster, notifier: new RecordingNotifier(), clock: new FakeClock(NOW), log: quietLog };
  const report = await runCycle(deps, testCycleSettings({ stepSeconds: 300 }));
  return { report, range: traffic.requestedRanges[0], origins: forecaster.origins };
}

describe("runCycle over a recording", () => {
  it("forecasts from the end of the step that holds the latest recorded row", async () => {
    const latest = Date.parse("2026-12-03T14:37:30Z"); // inside the step that ends 14:40
    const { report, range, origins } = await cycleOver(new RecordedTraffic(latest));
    expect(range?.endMs).toBe(Date.parse("2026-12-03T14:45:00Z"));
    expect(origins).toEqual([Date.parse("2026-12-03T14:45:00Z")]);
    expect(report.fetchSummary).toContain("traffic recorded up to 2026-12-03T14:45:00.000Z, forecast from there");
  });

  it("uses the clock for a live source, an empty recording, or one that reaches now", async () => {
    for (const traffic of [new FakeTrafficSource(), new RecordedTraffic(undefined), new RecordedTraffic(NOW - 1000)]) {
      const { report, range, origins } = await cycleOver(traffic);
      expect(range?.endMs).toBe(Date.parse("2026-12-05T23:45:00Z"));
      expect(origins).toEqual([NOW]);
      expect(report.fetchSummary).not.toContain("recorded");
    }
  });
});
