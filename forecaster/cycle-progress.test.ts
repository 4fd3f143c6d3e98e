// A cycle tells its progress after each chunk of rules is fetched and forecast.
import { runCycle, type CycleDeps, type RulesProgress } from "./cycle.js";
import { FakeClock } from "../test/fakes/fake-clock.js";
import { MemoryConfigMapStore } from "../test/fakes/memory-kube.js";
import { RecordingNotifier } from "../test/fakes/recording-notifier.js";
import { configMap, FakeTrafficSource, quietLog, TableForecaster, testCycleSettings } from "../test/fakes/cycle-fakes.js";

const NOW = Date.parse("2026-11-26T12:00:00Z");

it("reports rules done of total after each chunk, ending at the total", async () => {
  const rules = Array.from({ length: 5 }, (_v, i) => `  - key: PARTNER\n    value: p${i}\n    rate_limit: {unit: minute, requests_per_unit: 100}\n`).join("");
  const store = new MemoryConfigMapStore();
  store.putAs("kubectl-edit", configMap("istio-system", "ratelimit-config", { "config.yaml": `domain: edge\ndescriptors:\n${rules}` }));
  const seen: RulesProgress[] = [];
  const deps: CycleDeps = { configMaps: store, traffic: new FakeTrafficSource(), forecaster: new TableForecaster({}, NOW), notifier: new RecordingNotifier(), clock: new FakeClock(NOW), log: quietLog, onRulesProgress: (p) => seen.push(p) };
  await runCycle(deps, testCycleSettings({ fetchChunkRules: 2 }));
  expect(seen).toEqual([{ rulesDone: 2, rulesTotal: 5 }, { rulesDone: 4, rulesTotal: 5 }, { rulesDone: 5, rulesTotal: 5 }]);
});
