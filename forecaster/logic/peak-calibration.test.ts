import { calibrateRatios, choosePeakEstimate, sameDayTypePairs, type BacktestPair, type CandidateForecast } from "./peak-calibration.js";
import type { ModelName } from "./settings.js";

const pairs = (forecast: number, actuals: readonly number[]): BacktestPair[] => actuals.map((actual) => ({ forecast, actual }));

describe("calibrateRatios", () => {
  it("uses the split-conformal order statistic when there are enough origins (19 at p95)", () => {
    const c = calibrateRatios(pairs(10, Array.from({ length: 19 }, (_v, j) => 10 * (j + 1))), 0.95)!;
    expect(c.quantileRatio).toBe(19);
    expect(c.medianRatio).toBe(10);
    // mean over origins of 10 x 19 / (10 j) = the 19th harmonic number
    expect(c.meanHeadroom).toBeCloseTo(3.547739657143682, 12);
    expect(c.pairs).toBe(19);
  });

  it("widens with a log-normal bound when there are too few origins (ratios 1, 2, 4)", () => {
    // exp(mean + z95 sd sqrt(1 + 1/3)) of ln 1, ln 2, ln 4 = 2 x 2^(1.64485 x 1.15470) = 7.4607
    const c = calibrateRatios(pairs(1, [1, 2, 4]), 0.95)!;
    expect(c.quantileRatio).toBeCloseTo(7.4607122609864485, 6);
    expect(c.medianRatio).toBe(2);
  });

  it("lets a single large ratio widen the bound through the spread of the logs", () => {
    // ln ratios 0, 0, 0, 0, ln 3: mean 0.2197, sd 0.4913 -> exp(0.2197 + 1.64485 x 0.4913 x 1.09545) = 3.019
    const c = calibrateRatios(pairs(100, [100, 100, 100, 100, 300]), 0.95)!;
    expect(c.quantileRatio).toBeCloseTo(3.019211, 5);
  });

  it("floors an idle day's ratio instead of taking the log of zero", () => {
    const c = calibrateRatios(pairs(10, [0, 10, 10]), 0.5)!;
    expect(c.medianRatio).toBe(1);
    expect(Number.isFinite(c.quantileRatio)).toBe(true);
  });

  it("has nothing to say without a positive forecast", () => {
    expect(calibrateRatios(pairs(0, [5, 6]), 0.95)).toBeUndefined();
    expect(calibrateRatios([], 0.95)).toBeUndefined();
  });
});

describe("choosePeakEstimate", () => {
  const candidate = (model: ModelName, peak: number, actuals: readonly number[], error?: string): CandidateForecast => ({
    model, peak, peakAtMs: 1_000, fitMs: 1, backtest: pairs(100, actuals), ...(error ? { error } : {}),
  });
  // Steady ratios (1.0 .. 1.2): tight calibration. Erratic ones (0.5 .. 2): wide.
  const steady = candidate("prophet", 100, [100, 110, 120, 105, 115]);
  const erratic = candidate("recent-peak", 80, [50, 200, 100, 150, 60]);
  const middling = candidate("mstl-ets", 90, [90, 130, 110, 100, 140]);
  const failed = candidate("seasonal-naive", Number.NaN, [], "seasonal-naive failed: boom");
  const short = candidate("seasonal-naive", 100, [100, 100]);

  it("tightest: the candidate whose calibrated limit was tightest on its own backtest", () => {
    const choice = choosePeakEstimate([erratic, steady, middling], 0.95, 3, "tightest");
    expect(choice.estimate?.model).toBe("prophet");
    expect(choice.estimate?.expectedPeak).toBeCloseTo(110, 9);
  });

  it("median: the middle calibrated quantile of the eligible candidates", () => {
    const choice = choosePeakEstimate([erratic, steady, middling], 0.95, 3, "median");
    const quantiles = [erratic, steady, middling].map((c) => c.peak * calibrateRatios(c.backtest, 0.95)!.quantileRatio).sort((a, b) => a - b);
    expect(choice.estimate?.quantilePeak).toBe(quantiles[1]);
  });

  it("rejects failed models and models with too short a backtest, saying why", () => {
    const choice = choosePeakEstimate([failed, short], 0.95, 3, "median");
    expect(choice.estimate).toBeUndefined();
    expect(choice.considered).toEqual([
      { model: "seasonal-naive", rejected: "seasonal-naive failed: boom" },
      { model: "seasonal-naive", rejected: "backtest has 2 origins, needs 3" },
    ]);
  });
});

describe("sameDayTypePairs", () => {
  const monday = Date.UTC(2026, 10, 2);
  const day = (d: number, actual: number): BacktestPair => ({ forecast: 100, actual, originMs: monday + d * 86_400_000 });
  // Two weeks of days: weekdays peak at 100, weekends (days 5, 6, 12, 13) at 40.
  const pairs = Array.from({ length: 14 }, (_v, d) => day(d, d % 7 >= 5 ? 40 : 100));

  it("calibrates a weekend on weekends only", () => {
    expect(sameDayTypePairs(pairs, monday + 19 * 86_400_000, 3).map((p) => p.actual)).toEqual([40, 40, 40, 40]);
  });

  it("calibrates a weekday on weekdays only", () => {
    expect(sameDayTypePairs(pairs, monday + 14 * 86_400_000, 3)).toHaveLength(10);
  });

  it("falls back to all pairs when too few have the same type", () => {
    expect(sameDayTypePairs(pairs.slice(0, 6), monday + 19 * 86_400_000, 3)).toHaveLength(6);
  });
});
