import { decodeForecastCache } from "../../ratelimit/forecast-cache.js";
import { buildForecastCache, cacheConfigMap } from "./cache-build.js";
import type { RulePlan } from "./plan.js";

function plan(k: number): RulePlan {
  const fullKey = `edge.PARTNER_partner-${k}.PATH_/api/v1/resource-${k}`;
  const recommended = 1000 + k;
  return {
    fullKey, label: `PARTNER=partner-${k}/PATH=/api/v1/resource-${k}`, domain: "edge", file: "config.yaml", unit: "minute", current: 900 + k, target: recommended, state: "changed",
    confidence: "high", band: { min: 800 + k, max: recommended * 4 },
    recommendation: { recommended, keptCurrent: false, confidence: "high", band: { min: 800 + k, max: recommended * 4 }, peak: { value: 800 + k, atMs: Date.parse("2026-11-27T09:00:00Z") }, model: "mstl-ets", explanation: `${fullKey}: ${recommended}/minute (was ${900 + k}): p95 of the 24h peak ${900 + k} +10% headroom; expected peak ${800 + k}/minute at 2026-11-27T09:00Z; model mstl-ets, confidence high; bounds: none`, boundsApplied: [], anomalies: [] },
    reason: "",
  };
}

describe("forecast cache ConfigMap", () => {
  it("stays readable JSON for small configs", () => {
    const cache = buildForecastCache({ generation: 7, generatedAt: "2026-11-26T12:00:00.000Z", source: "http://prometheus:9090/", plans: [plan(1), plan(2)] });
    const cm = cacheConfigMap({ namespace: "trendmaster", name: "trendmaster-forecast" }, undefined, cache, {});
    expect(cm.binaryData).toBeUndefined();
    expect(cm.data?.["forecast.json"]).toContain('"recommended": 1001');
    expect(cm.metadata.annotations?.["trendmaster.io/generation"]).toBe("7");
  });

  it("records where the cycle left each rule, for the report's counts", () => {
    const cache = buildForecastCache({ generation: 7, generatedAt: "2026-11-26T12:00:00.000Z", source: "s", plans: [plan(1), { ...plan(2), state: "unmapped", target: 902 }] });
    expect(Object.values(cache.rules).map((r) => r.state)).toEqual(["changed", "unmapped"]);
  });

  it("fits 10,000 rules under the 1 MiB object limit, compressed, and reads back", () => {
    const plans = Array.from({ length: 10_000 }, (_, k) => plan(k));
    const cache = buildForecastCache({ generation: 1, generatedAt: "2026-11-26T12:00:00.000Z", source: "http://prometheus:9090/", plans });
    const cm = cacheConfigMap({ namespace: "trendmaster", name: "trendmaster-forecast" }, undefined, cache, {});
    const size = Buffer.byteLength(JSON.stringify(cm));
    expect(size).toBeLessThan(1024 * 1024);
    expect(cm.data).toBeUndefined();
    const back = decodeForecastCache({ binaryData: { ...cm.binaryData } });
    expect(Object.keys(back.rules)).toHaveLength(10_000);
    expect(back.rules[plans[42]!.fullKey]?.recommended).toBe(1042);
  });

  it("switching back to readable form drops the compressed key", () => {
    const big = buildForecastCache({ generation: 1, generatedAt: "2026-11-26T12:00:00.000Z", source: "s", plans: Array.from({ length: 10_000 }, (_, k) => plan(k)) });
    const first = cacheConfigMap({ namespace: "t", name: "c" }, undefined, big, {});
    const small = buildForecastCache({ generation: 2, generatedAt: "2026-11-26T18:00:00.000Z", source: "s", plans: [plan(1)] });
    const second = cacheConfigMap({ namespace: "t", name: "c" }, { ...first, metadata: { ...first.metadata, resourceVersion: "5" } }, small, {});
    expect(second.binaryData).toBeUndefined();
    expect(second.metadata.resourceVersion).toBe("5");
  });
});
