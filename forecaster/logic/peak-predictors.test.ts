import { backtestOrigins, rulePeakCandidates } from "./peak-predictors.js";
import type { PreparedSeries } from "./series-prep.js";

const T0 = Date.UTC(2026, 10, 2);

/** Hourly series over `days` days whose only non-zero value each day is `peaks[d]` at 15:00. */
function dailyPeaks(peaks: readonly number[]): PreparedSeries {
  const raw = new Float64Array(peaks.length * 24);
  peaks.forEach((p, d) => (raw[d * 24 + 15] = p));
  return { startMs: T0, stepSeconds: 3600, raw, clean: Float64Array.from(raw), imputed: new Uint8Array(raw.length), anomalies: [], missingSteps: 0, resetSteps: 0, implausible: { steps: 0, share: 0 } };
}

describe("backtestOrigins", () => {
  it.each([
    ["one per day, newest first, horizon ending before the origin", 21 * 24, 24, 3, [20 * 24, 19 * 24, 18 * 24]],
    ["a 7-day horizon starts a week back", 21 * 24, 168, 2, [14 * 24, 13 * 24]],
    ["never before the start", 2 * 24, 24, 5, [24]],
  ])("%s", (_name, origin, horizon, count, expected) => expect(backtestOrigins(origin, horizon, 3600, count)).toEqual(expected));
});

describe("rulePeakCandidates", () => {
  // 15 days: day d peaks at 10 + d, except day 14 (the last) at 100.
  const series = dailyPeaks([...Array.from({ length: 14 }, (_v, d) => 10 + d), 100]);
  const origin = series.raw.length;
  const [recent, seasonal] = rulePeakCandidates(series, origin, 24, ["recent-peak", "seasonal-naive"], 3);

  it("recent-peak: last week's clean peak, placed at the same time of day in the horizon", () => {
    expect(recent!.peak).toBe(100);
    expect(recent!.peakAtMs).toBe(T0 + (15 * 24 + 15) * 3_600_000);
    // origins 14, 13, 12 days in: forecast = max of the 7 days before, actual = that day's peak
    expect(recent!.backtest).toEqual([
      { forecast: 23, actual: 100, originMs: T0 + 14 * 86_400_000 },
      { forecast: 22, actual: 23, originMs: T0 + 13 * 86_400_000 },
      { forecast: 21, actual: 22, originMs: T0 + 12 * 86_400_000 },
    ]);
  });

  it("seasonal-naive: the same day one week earlier", () => {
    expect(seasonal!.peak).toBe(18); // day 8
    expect(seasonal!.backtest).toMatchObject([
      { forecast: 17, actual: 100 },
      { forecast: 16, actual: 23 },
      { forecast: 15, actual: 22 },
    ]);
  });

  it("says so when the history is too short", () => {
    const [tooShort] = rulePeakCandidates(dailyPeaks([5, 6]), 48, 24, ["seasonal-naive"], 3);
    expect(tooShort).toMatchObject({ model: "seasonal-naive", error: "not enough history" });
  });
});
