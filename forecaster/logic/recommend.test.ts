import type { PeakEstimate } from "./peak-calibration.js";
import { recommendLimit, type ForecastSummary, type RecommendInput } from "./recommend.js";
import { DEFAULT_FORECAST_SETTINGS, type ForecastSettings } from "./settings.js";

const PEAK_AT = Date.UTC(2026, 10, 27, 14, 5);

/** A per-minute series whose 24h maximum has a p95 of 1000 and an expected value of 700. */
function estimate(quantilePeak = 1000, expectedPeak = 700, spread = { quantileRatio: 2, medianRatio: 1.4 }): PeakEstimate {
  return { model: "prophet", quantilePeak, expectedPeak, peakAtMs: PEAK_AT, calibration: { ...spread, meanHeadroom: 1.5, pairs: 14 } };
}

function summary(over: Partial<ForecastSummary> = {}): ForecastSummary {
  return { stepSeconds: 60, estimate: estimate(), lastWeekCleanPeak: 800, historyDays: 21, anomalies: [], ...over };
}

function input(over: Partial<RecommendInput> = {}, settings: Partial<ForecastSettings> = {}): RecommendInput {
  return { fullKey: "edge.PARTNER_acme", unit: "minute", currentLimit: 900, forecast: summary(), settings: { ...DEFAULT_FORECAST_SETTINGS, ...settings }, ...over };
}

describe("recommendLimit: the formula", () => {
  it.each<[string, Partial<RecommendInput>, Partial<ForecastSettings>, number, string[]]>([
    ["p95 of the period maximum x (1 + 10% headroom)", {}, {}, 1100, []],
    ["rounds up to two significant digits (1234 x 1.1 = 1357.4)", { forecast: summary({ estimate: estimate(1234) }) }, {}, 1400, []],
    ["own headroom from the override (1000 x 1.5)", { override: { headroom: 0.5 } }, {}, 1500, []],
    ["converts per-minute peaks to a per-hour limit (x60)", { unit: "hour", currentLimit: 50_000 }, {}, 66_000, ["extrapolated: one hour is longer than the 60s step the peak was estimated at"]],
    ["converts to a per-second limit with the burst factor (1000 / 60 x 2 x 1.1 = 36.7)", { unit: "second", currentLimit: 30 }, {}, 37, ["burst factor x2: 60s step is coarser than a second"]],
    ["never below last week's clean peak", { forecast: summary({ lastWeekCleanPeak: 1500 }) }, {}, 1500, ["last week's clean peak 1500"]],
    ["at most x2 up per cycle", { currentLimit: 400 }, {}, 800, ["step up at most x2"]],
    ["at most /2 down per cycle (rounding the bound up)", { currentLimit: 5001 }, {}, 2501, ["step down at most /2"]],
    ["configurable step bound (2000 / 1.5 = 1333.3)", { currentLimit: 2000 }, { maxStepDown: 1.5 }, 1334, ["step down at most /1.5"]],
    ["absolute floor", { currentLimit: undefined }, { floor: 2000 }, 2000, ["floor 2000"]],
    ["absolute ceiling", { currentLimit: undefined }, { ceiling: 1000 }, 1000, ["ceiling 1000"]],
    ["the override's ceiling wins over the settings'", { override: { ceiling: 950 } }, {}, 950, ["ceiling 950"]],
  ])("%s", (_name, over, settings, expected, bounds) => {
    const r = recommendLimit(input(over, settings));
    expect(r.recommended).toBe(expected);
    expect(r.boundsApplied).toEqual(bounds);
    expect(r.keptCurrent).toBe(false);
    expect(r.confidence).toBe("high");
  });

  it("gives the band: min = expected peak without headroom, max = recommended x 4", () => {
    const r = recommendLimit(input());
    expect(r.band).toEqual({ min: 700, max: 4400 });
    expect(r.peak).toEqual({ value: 700, atMs: PEAK_AT });
    expect(r.quantilePeak).toBe(1000);
  });

  it("explains itself on one line: peak, when, model, confidence, bounds", () => {
    const r = recommendLimit(input({ currentLimit: 400 }));
    expect(r.explanation).toBe(
      "edge.PARTNER_acme: 800/minute (was 400): p95 of the 24h peak 1000/minute +10% headroom; expected peak 700/minute at 2026-11-27T14:05Z; model prophet, confidence high; bounds: step up at most x2",
    );
    expect(r.explanation).not.toContain("\n");
  });
});

describe("recommendLimit: overrides", () => {
  it("exclude leaves the rule alone: current limit, no band", () => {
    const r = recommendLimit(input({ override: { exclude: true } }));
    expect(r).toMatchObject({ recommended: 900, keptCurrent: true, boundsApplied: ["excluded by override"] });
    expect(r.band).toBeUndefined();
  });

  it("pin sets exactly that limit, outside every bound, and keeps the forecast's band", () => {
    const r = recommendLimit(input({ override: { pin: 5000 } }));
    expect(r).toMatchObject({ recommended: 5000, keptCurrent: false, boundsApplied: ["pinned by override"], band: { min: 700, max: 20_000 } });
  });
});

describe("recommendLimit: low confidence keeps the current limit and says why", () => {
  it.each<[string, Partial<ForecastSummary>, string]>([
    ["too little history", { historyDays: 2 }, "low confidence (2.0 days of history, needs 3)"],
    ["model failure", { estimate: undefined, lowConfidenceReason: "prophet failed: boom" }, "low confidence (prophet failed: boom)"],
    ["poor backtest", { estimate: estimate(1000, 700, { quantileRatio: 9, medianRatio: 1.5 }) }, "low confidence (poor backtest: p95/median peak ratio 6.0 > 4)"],
    ["an uncalibrated estimate", { lowConfidenceReason: "no model could be backtested" }, "low confidence (no model could be backtested)"],
  ])("%s", (_name, over, why) => {
    const r = recommendLimit(input({ forecast: summary(over) }));
    expect(r.recommended).toBe(900);
    expect(r.keptCurrent).toBe(true);
    expect(r.confidence).toBe("low");
    expect(r.band).toBeUndefined();
    expect(r.explanation).toContain(`kept current 900/minute: ${why}`);
  });

  it("a bare series (no current limit) gets the estimate, still marked low and without a band", () => {
    const r = recommendLimit(input({ currentLimit: undefined, forecast: summary({ historyDays: 2 }) }));
    expect(r).toMatchObject({ recommended: 1100, keptCurrent: false, confidence: "low" });
    expect(r.band).toBeUndefined();
  });

  it("medium confidence below fullHistoryDays still recommends, with a band", () => {
    const r = recommendLimit(input({ forecast: summary({ historyDays: 10 }) }));
    expect(r).toMatchObject({ recommended: 1100, confidence: "medium", band: { min: 700, max: 4400 } });
  });
});
