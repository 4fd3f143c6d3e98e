import type { ModelName } from "./settings.js";
import { normalQuantile } from "./normal.js";
import { mean, median, standardDeviation } from "./stats.js";

/** One rolling-backtest origin: what a model said the period's peak would be, and what it was. */
export interface BacktestPair {
  readonly forecast: number;
  readonly actual: number;
  /** Start of the backtest period (absent in hand-made pairs). */
  readonly originMs?: number;
}

/** Saturday or Sunday (UTC) at the middle of a 24 h period starting at originMs. */
function isWeekendDay(originMs: number): boolean {
  const day = new Date(originMs + 12 * 3_600_000).getUTCDay();
  return day === 0 || day === 6;
}

/**
 * For a one-day horizon, the pairs whose day has the same type (weekend or weekday) as the coming
 * day, when there are at least minPairs of them: a weekend's peak relates to its forecast unlike a
 * weekday's. Otherwise all pairs.
 */
export function sameDayTypePairs(pairs: readonly BacktestPair[], targetOriginMs: number, minPairs: number): readonly BacktestPair[] {
  const weekend = isWeekendDay(targetOriginMs);
  const same = pairs.filter((p) => p.originMs !== undefined && isWeekendDay(p.originMs) === weekend);
  return same.length >= minPairs ? same : pairs;
}

/** One model's forecast of the coming period's peak, with its own backtest. Units: requests per step. */
export interface CandidateForecast {
  readonly model: ModelName;
  /** Forecast peak of the coming period; NaN when the model failed. */
  readonly peak: number;
  readonly peakAtMs: number;
  readonly backtest: readonly BacktestPair[];
  readonly fitMs: number;
  /** Why the model produced nothing usable. */
  readonly error?: string;
}

/** How a model's realised/forecast peak ratios spread on its own backtest. */
export interface Calibration {
  /** The quantile of realised/forecast: forecast x this covers the period's maximum. */
  readonly quantileRatio: number;
  /** The median ratio: forecast x this is the expected period peak. */
  readonly medianRatio: number;
  /** Mean over the backtest of (forecast x quantileRatio) / actual: how tight the calibrated limit was. */
  readonly meanHeadroom: number;
  readonly pairs: number;
}

/**
 * Conformal-style calibration of a peak forecast. With n pairs the split-conformal quantile is the
 * ceil((n+1)q)-th smallest ratio; n is small (a few weeks of days), so that order statistic does not
 * exist at q = 0.95 below 19 pairs. We then use a log-normal prediction bound (mean + z_q sd
 * sqrt(1 + 1/n) of the log ratios), which widens as n shrinks. (Also taking at least the largest
 * ratio seen was measured: same days exceeded, looser limits; see docs/forecast-formula.md.)
 */
export function calibrateRatios(pairs: readonly BacktestPair[], q: number): Calibration | undefined {
  const usable = pairs.filter((p) => p.forecast > 0 && Number.isFinite(p.forecast) && p.actual >= 0);
  if (usable.length === 0) return undefined;
  // A zero actual (an idle day) has no log: floor it at a small share of its forecast.
  const ratios = usable.map((p) => Math.max(p.actual / p.forecast, 1e-3));
  const n = ratios.length;
  const sorted = [...ratios].sort((a, b) => a - b);
  const k = Math.ceil((n + 1) * q);
  const empirical = sorted[Math.min(k, n) - 1]!;
  const logs = ratios.map(Math.log);
  const parametric = Math.exp(mean(logs) + normalQuantile(q) * standardDeviation(logs) * Math.sqrt(1 + 1 / n));
  const quantileRatio = k <= n ? empirical : parametric;
  const medianRatio = median(ratios);
  const meanHeadroom = mean(usable.map((p) => (p.forecast * quantileRatio) / Math.max(p.actual, 1e-9)));
  return { quantileRatio, medianRatio, meanHeadroom, pairs: n };
}

/** The coming period's peak as the engine estimates it, in requests per step. */
export interface PeakEstimate {
  readonly model: ModelName;
  /** quantile of the period's maximum (before headroom). */
  readonly quantilePeak: number;
  /** Expected period peak: a limit below it throttles expected legitimate traffic. */
  readonly expectedPeak: number;
  readonly peakAtMs: number;
  readonly calibration: Calibration;
}

/** How eligible candidates become one estimate; see docs/forecast-formula.md. */
export type PeakCombination = "tightest" | "median" | "median-of-best" | "upper-median";

export interface PeakChoice {
  readonly estimate?: PeakEstimate;
  /** Per model: its calibration, or why it was not eligible. */
  readonly considered: readonly { model: ModelName; calibration?: Calibration; rejected?: string }[];
}

/**
 * Picks, per series, the candidate whose calibrated limit was tightest on its own backtest
 * (lowest mean limit/peak at the target quantile): every candidate is made equally safe by its
 * calibration, so the one with the steadiest ratios wins.
 */
export function choosePeakEstimate(candidates: readonly CandidateForecast[], q: number, minPairs: number, combine: PeakCombination = "tightest", dayTypeOriginMs?: number): PeakChoice {
  const considered: { model: ModelName; calibration?: Calibration; rejected?: string }[] = [];
  const eligible: PeakEstimate[] = [];
  let best: PeakEstimate | undefined;
  for (const c of candidates) {
    if (c.error !== undefined || !(c.peak > 0)) {
      considered.push({ model: c.model, rejected: c.error ?? "no positive peak forecast" });
      continue;
    }
    const calibration = calibrateRatios(dayTypeOriginMs === undefined ? c.backtest : sameDayTypePairs(c.backtest, dayTypeOriginMs, minPairs), q);
    if (calibration === undefined || calibration.pairs < minPairs) {
      considered.push({ model: c.model, rejected: `backtest has ${calibration?.pairs ?? 0} origins, needs ${minPairs}` });
      continue;
    }
    considered.push({ model: c.model, calibration });
    const estimate = { model: c.model, quantilePeak: c.peak * calibration.quantileRatio, expectedPeak: c.peak * calibration.medianRatio, peakAtMs: c.peakAtMs, calibration };
    eligible.push(estimate);
    if (best === undefined || calibration.meanHeadroom < best.calibration.meanHeadroom) best = estimate;
  }
  if (combine === "median" && eligible.length > 0) {
    const sorted = [...eligible].sort((a, b) => a.quantilePeak - b.quantilePeak);
    best = sorted[Math.floor((sorted.length - 1) / 2)];
  } else if (combine === "median-of-best" && eligible.length > 0) {
    // Drop the candidate that was loosest on its own backtest, then take the median of the rest.
    const kept = eligible.length > 2 ? [...eligible].sort((a, b) => a.calibration.meanHeadroom - b.calibration.meanHeadroom).slice(0, -1) : eligible;
    const sorted = kept.sort((a, b) => a.quantilePeak - b.quantilePeak);
    best = sorted[Math.floor((sorted.length - 1) / 2)];
  } else if (combine === "upper-median" && eligible.length > 0) {
    const sorted = [...eligible].sort((a, b) => a.quantilePeak - b.quantilePeak);
    best = sorted[Math.floor(sorted.length / 2)];
  }
  return best === undefined ? { considered } : { estimate: best, considered };
}
