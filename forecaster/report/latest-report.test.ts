import { encodeForecastCache, type ForecastCache } from "../../ratelimit/forecast-cache.js";
import { FakeClock } from "../../test/fakes/fake-clock.js";
import { MemoryConfigMapStore } from "../../test/fakes/memory-kube.js";
import { emptyFetchReport, type TrafficSource } from "../io/traffic-source.js";
import { DEFAULT_FORECAST_SETTINGS } from "../logic/settings.js";
import type { TimeRange } from "../traffic.js";
import { LatestReport } from "./latest-report.js";

const CONFIG = `domain: edge
descriptors:
  - key: PARTNER
    value: acme
    rate_limit: {unit: minute, requests_per_unit: 100}
`;
const generatedAt = Date.UTC(2026, 0, 8, 12);
const settings = {
  ratelimitConfig: { namespace: "istio-system", name: "ratelimit-config" },
  cache: { namespace: "trendmaster", name: "trendmaster-forecast" },
  mergeDomains: false,
  historyDays: 7,
  stepSeconds: 300,
  forecast: DEFAULT_FORECAST_SETTINGS,
  sourceDescription: "test traffic",
  effectivenessWindowSeconds: 3600,
  fetchChunkRules: 100,
};
const cache = (generation: number): ForecastCache => ({
  generation,
  generatedAt: new Date(generatedAt).toISOString(),
  source: "test traffic",
  model: "prophet 1",
  rules: { "edge.PARTNER_acme": { label: "PARTNER=acme", unit: "minute", current: 100, recommended: 130 + generation, band: { min: 110, max: 500 }, confidence: "high", explanation: `generation ${generation}`, peak: { value: 110, at: new Date(generatedAt + 3_600_000).toISOString() } } },
});

/** A week of flat traffic, counting how often it is asked. */
class CountingTraffic implements TrafficSource {
  ranges: TimeRange[] = [];
  async fetchRules(rules: Parameters<TrafficSource["fetchRules"]>[0], range: TimeRange) {
    this.ranges.push(range);
    const report = emptyFetchReport();
    for (const rule of rules) {
      const samples = [];
      for (let t = range.startMs; t < range.endMs; t += range.stepSeconds * 1000) samples.push({ timestampMs: t, value: 200 });
      report.series.set(rule.fullKey, { fullKey: rule.fullKey, stepSeconds: range.stepSeconds, samples });
    }
    return report;
  }
}

async function setUp() {
  const configMaps = new MemoryConfigMapStore();
  await configMaps.create({ metadata: { namespace: "istio-system", name: "ratelimit-config" }, data: { "config.yaml": CONFIG } });
  const traffic = new CountingTraffic();
  return { configMaps, traffic, report: new LatestReport({ configMaps, traffic, clock: new FakeClock(generatedAt + 60_000) }, settings) };
}

describe("LatestReport (/report)", () => {
  it("answers 503 naming the cache ConfigMap until a cycle has written it", async () => {
    const { report } = await setUp();
    const response = await report.response();
    expect(response.status).toBe(503);
    expect(response.body).toBe("no forecast yet: the forecast cache ConfigMap trendmaster/trendmaster-forecast does not exist (the first cycle writes it)\n");
  });

  it("builds once per cache version, over the window the forecast used, and rebuilds when the cache changes", async () => {
    const { configMaps, traffic, report } = await setUp();
    const created = await configMaps.create({ metadata: { namespace: "trendmaster", name: "trendmaster-forecast" }, ...encodeForecastCache(cache(1)) });
    const [first, second] = await Promise.all([report.response(), report.response()]);
    expect(first.status).toBe(200);
    expect(first.contentType).toBe("text/html; charset=utf-8");
    expect(first.body).toContain("generation 1");
    expect(second.body).toBe(first.body);
    expect(traffic.ranges).toEqual([{ startMs: generatedAt - 7 * 86_400_000, endMs: generatedAt, stepSeconds: 300 }]);
    expect((await report.response()).body).toBe(first.body);
    expect(traffic.ranges).toHaveLength(1);

    await configMaps.replace({ ...created, ...encodeForecastCache(cache(2)) });
    const third = await report.response();
    expect(third.body).toContain("generation 2");
    expect(traffic.ranges).toHaveLength(2);
  });
});
