import { DEFAULT_FORECAST_SETTINGS, type ForecastSettings } from "../logic/settings.js";
import { syntheticTraffic } from "../logic/synthetic-traffic.js";
import { createForecastEngine, type ForecastEngine } from "./forecast-engine.js";
import { runForecastJob, type ForecastJob } from "./forecast-job.js";

const T0 = Date.UTC(2026, 10, 2); // a Monday
const DAY = 86_400_000;
// 21 days of 5-minute counts: weekday peak 600 per 5 minutes, weekends at 60%, 5% noise, two spikes.
const spikes = new Map([[5 * 288 + 180, 5], [12 * 288 + 100, 8]]);
const series = syntheticTraffic("edge.PARTNER_acme", { seed: 3, startMs: T0, days: 21, stepSeconds: 300, peak: 600, events: spikes });
const nowMs = T0 + 21 * DAY - 1; // Monday 00:00 next: the coming day is a weekday
const deterministic: ForecastSettings = { ...DEFAULT_FORECAST_SETTINGS, models: ["recent-peak", "seasonal-naive", "mstl-ets"] };
const job = (over: Partial<ForecastJob> = {}): ForecastJob => ({ fullKey: series.fullKey, unit: "minute", currentLimit: 150, series, settings: deterministic, nowMs, ...over });

describe("runForecastJob on traffic whose week peaks on Saturday night", () => {
  // Every Saturday 21:00-24:00 runs at 12x the weekend night level (~1,500 per 5 minutes), above the
  // weekday afternoon peak (~1,000): the week's real peak, recurring at the same time every week.
  const at = (day: number, hour: number): number => day * 288 + hour * 12;
  const saturdayNights = new Map<number, number>();
  for (let d = 5; d < 28; d += 7) for (let i = at(d, 21); i < at(d, 24); i++) saturdayNights.set(i, 12);
  const weekly = syntheticTraffic("k", { seed: 3, startMs: T0, days: 28, stepSeconds: 300, peak: 1000, events: saturdayNights });
  const saturday = T0 + 26 * DAY;
  const history = { ...weekly, samples: weekly.samples.filter((s) => s.timestampMs < saturday && s.timestampMs >= saturday - 21 * DAY) };
  const coming = weekly.samples.filter((s) => s.timestampMs >= saturday && s.timestampMs < saturday + DAY);
  const r = runForecastJob({ fullKey: "k", unit: "step", series: history, settings: DEFAULT_FORECAST_SETTINGS, nowMs: saturday - 1 }).recommendation;

  it("keeps the weekly peak out of the anomalies, so the limit covers the coming Saturday night", () => {
    // With the daily neighbourhood alone, all 108 Saturday-night points were anomalies and the
    // limit (1,500) sat below the coming night's peak (1,610).
    expect(r.anomalies).toEqual([]);
    expect(Math.max(...coming.map((s) => s.value))).toBe(1610);
    expect(r.recommended).toBe(1800);
    expect(r.confidence).toBe("high");
  });
});

describe("runForecastJob on a clean weekly pattern", () => {
  const outcome = runForecastJob(job({ settings: DEFAULT_FORECAST_SETTINGS, currentLimit: 250 }));
  const r = outcome.recommendation;

  it("recommends a confident per-minute limit just above the weekday peak rate", () => {
    // The weekday peak is 600 per 5 minutes (663 with noise): 120-133 per minute, x2 burst factor.
    expect(r.confidence).toBe("high");
    expect(r.keptCurrent).toBe(false);
    expect(r.boundsApplied).toEqual(["burst factor x2: 300s step is coarser than a minute"]);
    expect(r.recommended).toBeGreaterThanOrEqual(280);
    expect(r.recommended).toBeLessThanOrEqual(350);
    expect(r.band!.min).toBeGreaterThan(240);
    expect(r.band!.min).toBeLessThan(r.recommended);
    expect(r.band!.max).toBe(4 * r.recommended);
    expect(new Date(r.peak!.atMs).toISOString()).toBe("2026-11-23T15:00:00.000Z");
  });

  it("fits every candidate model, Prophet included", () => {
    expect(outcome.candidates.map((c) => c.model)).toEqual(["recent-peak", "seasonal-naive", "mstl-ets", "prophet"]);
    expect(outcome.candidates.filter((c) => c.error !== undefined)).toEqual([]);
  });

  it("reports the planted spikes it kept out of fitting", () => {
    const planted = [...spikes.keys()].map((i) => T0 + i * 300_000);
    expect(r.anomalies.map((a) => a.atMs)).toEqual(expect.arrayContaining(planted));
  });

  it("explains itself on one line", () => {
    expect(r.explanation).toMatch(/^edge\.PARTNER_acme: \d+\/minute \(was 250\): p95 of the 24h peak \d+\/minute \+10% headroom; expected peak \d+\/minute at 2026-11-23T\d\d:\d\dZ; model [a-z-]+, confidence high; bounds: burst factor x2/);
  });
});

describe("runForecastJob for units longer than the step", () => {
  const dailyTotals = Array.from({ length: 21 }, (_v, d) => series.samples.slice(d * 288, (d + 1) * 288).reduce((sum, x) => sum + x.value, 0));
  const peakDay = Math.max(...dailyTotals.slice(-7));

  it("a per-day limit is the peak day's count, not the peak 5 minutes x 288", () => {
    const r = runForecastJob(job({ unit: "day", currentLimit: undefined })).recommendation;
    expect(r.boundsApplied).toEqual([]);
    expect(r.recommended / peakDay).toBeGreaterThan(1);
    expect(r.recommended / peakDay).toBeLessThan(1.5);
  });

  it("a per-week limit extrapolates the peak day's count over 7 days, and says so", () => {
    const r = runForecastJob(job({ unit: "week", currentLimit: undefined })).recommendation;
    expect(r.boundsApplied).toEqual(["extrapolated: one week is longer than the 86400s step the peak was estimated at"]);
    expect(r.recommended / (7 * peakDay)).toBeGreaterThan(1);
    expect(r.recommended / (7 * peakDay)).toBeLessThan(1.5);
  });
});

describe("runForecastJob on a rule without traffic", () => {
  it("keeps the current limit and says why, on one line (Stan is never asked to fit zeros)", () => {
    const idle = { ...series, samples: series.samples.map((x) => ({ ...x, value: 0 })) };
    const r = runForecastJob(job({ series: idle, settings: DEFAULT_FORECAST_SETTINGS })).recommendation;
    expect(r).toMatchObject({ recommended: 150, keptCurrent: true, confidence: "low" });
    expect(r.explanation).toBe(
      "edge.PARTNER_acme: kept current 150/minute: low confidence (no model could be backtested (recent-peak: no positive peak forecast; seasonal-naive: no positive peak forecast; mstl-ets: no traffic to fit; prophet: no traffic to fit)); no forecast, model none",
    );
  });
});

describe("runForecastJob on stale data", () => {
  it("keeps the current limit when the last hours have no data at all", () => {
    const stale = { ...series, samples: series.samples.map((x, i) => (i >= series.samples.length - 96 ? { ...x, value: Number.NaN } : x)) };
    const r = runForecastJob(job({ series: stale })).recommendation;
    expect(r).toMatchObject({ recommended: 150, keptCurrent: true, confidence: "low" });
    expect(r.explanation).toContain("kept current 150/minute: low confidence (no data for the last 8.0h)");
  });
});

describe("createForecastEngine", () => {
  let engine: ForecastEngine;
  beforeAll(() => {
    engine = createForecastEngine({ workers: 2 });
  });
  afterAll(() => engine.close());

  it("runs jobs in worker threads with the same result as in process", async () => {
    const jobs = [job(), job({ unit: "hour", currentLimit: 8000 })];
    const results = await Promise.all(jobs.map((j) => engine.forecastRule(j)));
    expect(results).toEqual(jobs.map((j) => runForecastJob(j).recommendation));
  });

  it("loads the WASM models inside the worker", async () => {
    const outcome = await engine.forecastRuleDetailed(job({ settings: { ...DEFAULT_FORECAST_SETTINGS, models: ["prophet"] } }));
    expect(outcome.candidates).toHaveLength(1);
    expect(outcome.candidates[0]).toMatchObject({ model: "prophet" });
    expect(outcome.candidates[0]!.error).toBeUndefined();
  });

  it("answers a job that throws with the current limit kept and the reason", async () => {
    const r = await engine.forecastRule(job({ settings: { ...deterministic, quantile: 2 } }));
    expect(r).toMatchObject({ recommended: 150, keptCurrent: true, confidence: "low" });
    expect(r.explanation).toContain("forecast failed: normalQuantile: p must be in (0, 1), got 2");
    expect(r.band).toBeUndefined();
  });

  it("keeps the current limit for a rule with two days of history", async () => {
    const r = await engine.forecastRule(job({ series: { ...series, samples: series.samples.slice(-2 * 288) } }));
    expect(r).toMatchObject({ recommended: 150, keptCurrent: true, confidence: "low" });
    expect(r.explanation).toContain("days of history, needs 3");
  });
});

describe("a closed engine", () => {
  it("answers without running anything", async () => {
    const engine = createForecastEngine({ workers: 1 });
    await engine.close();
    const r = await engine.forecastRule(job());
    expect(r).toMatchObject({ recommended: 150, keptCurrent: true });
    expect(r.explanation).toContain("forecast engine is closed");
  });
});
