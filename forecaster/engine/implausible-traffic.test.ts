// Traffic that cannot be real (1e300 from a bad query, a counter glitch of 1e15, Infinity) is not
// traffic: it never becomes a peak a limit is raised to, and no limit or band leaves uint32.
import { MAX_REQUESTS_PER_UNIT } from "../../ratelimit/units.js";
import { prepareSeries } from "../logic/series-prep.js";
import { DEFAULT_FORECAST_SETTINGS, type ForecastSettings } from "../logic/settings.js";
import { syntheticTraffic } from "../logic/synthetic-traffic.js";
import type { RuleSeries } from "../traffic.js";
import { runForecastJob, type ForecastJob } from "./forecast-job.js";

const T0 = Date.UTC(2026, 10, 2); // a Monday
const DAY = 86_400_000;
const real = syntheticTraffic("edge.PARTNER_acme", { seed: 11, startMs: T0, days: 21, stepSeconds: 300, peak: 600 });
const nowMs = T0 + 21 * DAY - 1;
const settings: ForecastSettings = { ...DEFAULT_FORECAST_SETTINGS, models: ["recent-peak", "seasonal-naive", "mstl-ets"] };
const job = (series: RuleSeries, over: Partial<ForecastJob> = {}): ForecastJob => ({ fullKey: series.fullKey, unit: "minute", currentLimit: 150, series, settings, nowMs, ...over });

/** The real series with `value` at the given step indices. */
function withValues(indices: readonly number[], value: number): RuleSeries {
  const set = new Set(indices);
  return { ...real, samples: real.samples.map((s, i) => (set.has(i) ? { ...s, value } : s)) };
}

const last = real.samples.length - 1;

describe("implausible traffic", () => {
  it("treats a few glitches (1e15, Infinity) as missing and reports them with what filled them", () => {
    const spiked = withValues([100, 2_000, last], 1e15);
    const glitched = { ...spiked, samples: spiked.samples.map((s, i) => (i === 3_000 ? { ...s, value: Number.POSITIVE_INFINITY } : s)) };
    const p = prepareSeries(glitched, settings);
    expect(p.implausible).toMatchObject({ steps: 4, largest: { atMs: glitched.samples[3_000]!.timestampMs, value: Number.POSITIVE_INFINITY } });
    expect(p.raw.every(Number.isFinite)).toBe(true);
    expect(Math.max(...p.raw)).toBeLessThan(2_000);
    const reported = p.anomalies.filter((a) => a.value === 1e15).map((a) => a.atMs);
    expect(reported).toEqual([100, 2_000, last].map((i) => glitched.samples[i]!.timestampMs));
  });

  it("forecasts a glitched series as it forecasts the real one", () => {
    const clean = runForecastJob(job(real)).recommendation;
    const glitched = runForecastJob(job(withValues([100, 2_000, last - 1, last], 1e15))).recommendation;
    expect(glitched.confidence).toBe(clean.confidence);
    expect(Math.abs(glitched.recommended - clean.recommended) / clean.recommended).toBeLessThan(0.1);
    expect(glitched.band?.max ?? 0).toBeLessThanOrEqual(clean.band?.max ?? Number.NaN);
  });

  it("does not trust a series that is mostly implausible, and keeps the current limit", () => {
    for (const value of [1e300, 1e15]) {
      const absurd = withValues(Array.from({ length: real.samples.length }, (_v, i) => i).filter((i) => i % 10 === 0), value);
      const r = runForecastJob(job(absurd)).recommendation;
      expect(r).toMatchObject({ confidence: "low", keptCurrent: true, recommended: 150 });
      expect(r.explanation).toMatch(/points \(10\.0%\) are not plausible traffic; largest 1\.00e\+(300|15) requests in a step/);
      expect(r.band).toBeUndefined();
    }
  });

  it("applies a rule's own plausibility ceiling", () => {
    // 600 per 5 minutes is 2 requests per second: a ceiling of 1 per second makes most of it implausible.
    const r = runForecastJob(job(real, { override: { maxPlausibleRequestsPerSecond: 1 } })).recommendation;
    expect(r).toMatchObject({ confidence: "low", keptCurrent: true });
    expect(r.explanation).toContain("not plausible traffic");
    expect(runForecastJob(job(real, { override: { maxPlausibleRequestsPerSecond: 1_000 } })).recommendation.confidence).not.toBe("low");
  });

  it("never recommends or bands beyond uint32, whatever the traffic", () => {
    // ~4e9 per 5 minutes is 13 million requests per second: plausible for the ceiling, beyond a uint32 limit per minute x4.
    const huge = syntheticTraffic("edge.PARTNER_huge", { seed: 5, startMs: T0, days: 21, stepSeconds: 300, peak: 4e9 });
    const r = runForecastJob(job(huge, { currentLimit: 4_000_000_000 })).recommendation;
    expect(r.recommended).toBeLessThanOrEqual(MAX_REQUESTS_PER_UNIT);
    expect(r.band?.min ?? 0).toBeLessThanOrEqual(MAX_REQUESTS_PER_UNIT);
    expect(r.band?.max ?? 0).toBeLessThanOrEqual(MAX_REQUESTS_PER_UNIT);
    expect(r.band?.max).toBe(MAX_REQUESTS_PER_UNIT);
  });
});
