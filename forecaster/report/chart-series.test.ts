import { buildChartData, maxPerBucket, MAX_TRAFFIC_POINTS, perUnitFactor, seasonalNaiveForecast } from "./chart-series.js";
import type { PreparedSeries } from "../logic/series-prep.js";

describe("maxPerBucket", () => {
  it.each([
    ["keeps each bucket's peak", [1, 5, 2, 9, 3], 2, [5, 9, 3]],
    ["skips missing values", [Number.NaN, 4, Number.NaN, Number.NaN], 2, [4, null]],
    ["one-step buckets change nothing", [3, 1], 1, [3, 1]],
  ])("%s", (_name, values, size, expected) => expect(maxPerBucket(values, size)).toEqual(expected));
});

describe("perUnitFactor", () => {
  it.each([
    ["5-minute counts per minute get the burst factor", 300, "minute" as const, 2, 0.4],
    ["per second likewise", 300, "second" as const, 2, 2 / 300],
    ["an hour of 5-minute steps is 12 of them", 300, "hour" as const, 2, 12],
  ])("%s", (_name, step, unit, burst, factor) => expect(perUnitFactor(step, unit, burst).factor).toBeCloseTo(factor, 12));
});

describe("seasonalNaiveForecast", () => {
  it("repeats the same hours a week earlier", () => {
    const stepSeconds = 86_400; // one point a day: a week is 7 points
    const clean = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(seasonalNaiveForecast(clean, stepSeconds, 3)).toEqual([4, 5, 6]);
  });
  it("falls back to a day with less than a week", () => {
    expect(seasonalNaiveForecast([1, 2, 3, 4, 5, 6, 7, 8], 3 * 3600, 2)).toEqual([1, 2]);
  });
});

describe("buildChartData", () => {
  const stepSeconds = 300;
  const length = 28 * 288;
  const raw = Float64Array.from({ length }, (_v, i) => (i === 100 ? 5000 : 100 + (i % 288)));
  const imputed = new Uint8Array(length);
  imputed[50] = 1;
  const prepared: PreparedSeries = {
    startMs: Date.UTC(2026, 0, 1),
    stepSeconds,
    raw,
    clean: Float64Array.from(raw, (v, i) => (i === 100 ? 200 : v)),
    imputed,
    anomalies: [{ atMs: Date.UTC(2026, 0, 1) + 100 * 300_000, value: 5000, expected: 200 }],
    missingSteps: 1,
    resetSteps: 0,
    implausible: { steps: 0, share: 0 },
  };
  const chart = buildChartData(prepared, "minute", 2, 24);

  it("fits 28 days of 5-minute steps into the point budget, keeping the peak", () => {
    expect(chart.traffic.length).toBeLessThanOrEqual(MAX_TRAFFIC_POINTS);
    expect(chart.bucketSeconds).toBe(3600);
    expect(Math.max(...chart.traffic.map((v) => v ?? 0))).toBe(2000); // 5000 per 5 minutes x 2 / 5
  });

  it("marks the step kept out of fitting at the bucket holding it", () => {
    // Step 100 is 8 h 20 min in: the bucket of hour 8.
    expect(chart.anomalies).toEqual([[prepared.startMs / 1000 + 8 * 3600, 2000]]);
  });

  it("marks only anomalies inside the window the model was fitted on", () => {
    const fitFromMs = prepared.startMs + 200 * 300_000;
    const fitted = buildChartData(prepared, "minute", 2, 24, fitFromMs);
    expect(fitted.anomalies).toEqual([]);
    expect(fitted.fitStartSeconds).toBe(fitFromMs / 1000);
    expect(fitted.traffic).toEqual(chart.traffic);
  });

  it("forecasts the next day from where the recording ends, in requests per unit", () => {
    expect(chart.forecastStartSeconds).toBe(prepared.startMs / 1000 + length * stepSeconds);
    expect(chart.forecast.length * chart.forecastBucketSeconds).toBe(86_400);
    // (100 + 287) x 0.4 = 154.8, kept to the three significant digits a chart can show.
    expect(Math.max(...chart.forecast)).toBe(155);
  });
});
