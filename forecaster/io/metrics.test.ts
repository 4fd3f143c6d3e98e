import { runCycle } from "../cycle.js";
import { parseStampKeyRing } from "../../ratelimit/guard-stamp.js";
import { FakeClock } from "../../test/fakes/fake-clock.js";
import { MemoryConfigMapStore } from "../../test/fakes/memory-kube.js";
import { ForecasterMetrics } from "./metrics.js";
import { RecordingNotifier } from "../../test/fakes/recording-notifier.js";
import { configMap, FakeTrafficSource, quietLog, TableForecaster, testCycleSettings } from "../../test/fakes/cycle-fakes.js";

const rules = (n: number) => `domain: edge\ndescriptors:\n${Array.from({ length: n }, (_, k) => `  - key: PARTNER\n    value: p${k}\n    rate_limit: {unit: minute, requests_per_unit: 100}\n`).join("")}`;

describe("ForecasterMetrics", () => {
  it("records outcome, rules by state, config changes, and caps per-rule series", async () => {
    const store = new MemoryConfigMapStore();
    store.putAs("kubectl", configMap("istio-system", "ratelimit-config", { "config.yaml": rules(10) }));
    const deps = {
      configMaps: store, traffic: new FakeTrafficSource(), forecaster: new TableForecaster({ "edge.PARTNER_p3": 200, "edge.PARTNER_p7": 50 }), notifier: new RecordingNotifier(), clock: new FakeClock(0), log: quietLog,
      effectiveness: { throttledShare: async () => new Map([["edge.PARTNER_p5", { overLimit: 5, totalHits: 100 }]]) },
    };
    const metrics = new ForecasterMetrics(4, { defaultMetrics: false });
    const report = await runCycle(deps, testCycleSettings());
    metrics.recordCycle(report, 1_700_000_000_000);
    const text = await metrics.registry.metrics();
    expect(text).toContain('trendmaster_cycles_total{outcome="applied"} 1');
    expect(text).toContain('trendmaster_rules{state="changed"} 2');
    expect(text).toContain('trendmaster_rules{state="low-confidence"} 8');
    expect(text).toContain('trendmaster_config_changes_total{kind="forecast"} 1');
    expect(text).toContain('trendmaster_limits_changed_total{direction="up"} 1');
    expect(text).toContain('trendmaster_limits_changed_total{direction="down"} 1');
    // Changed rules first, then the most throttled: 4 rules get series, 6 are counted as dropped.
    expect(text).toContain('trendmaster_rule_limit{rule="edge.PARTNER_p3",kind="recommended"} 200');
    expect(text).toContain('trendmaster_rule_throttled_ratio{rule="edge.PARTNER_p5"} 0.05');
    expect(text.match(/trendmaster_rule_limit\{/g)).toHaveLength(8);
    expect(text).toContain("trendmaster_rule_series_dropped 6");
  });

  it("counts an unguarded change once", async () => {
    const store = new MemoryConfigMapStore();
    store.putAs("kubectl", configMap("istio-system", "ratelimit-config", { "config.yaml": rules(1) }, { "trendmaster.io/guarded-digest": "sha256:old" }));
    const ring = parseStampKeyRing("metrics-test-stamp-key-0123456789abcdef0123");
    if (!ring.ok) throw new Error(ring.problem);
    const deps = { configMaps: store, traffic: new FakeTrafficSource(), forecaster: new TableForecaster({}), notifier: new RecordingNotifier(), clock: new FakeClock(0), log: quietLog, stampKeys: () => ring.ring };
    const metrics = new ForecasterMetrics(10, { defaultMetrics: false });
    for (let i = 0; i < 2; i++) metrics.recordCycle(await runCycle(deps, testCycleSettings()), 0);
    expect(await metrics.registry.metrics()).toContain("trendmaster_unguarded_changes_total 1");
  });
});
