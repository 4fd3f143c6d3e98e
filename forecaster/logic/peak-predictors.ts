import type { BacktestPair, CandidateForecast } from "./peak-calibration.js";
import type { PreparedSeries } from "./series-prep.js";
import type { ModelName } from "./settings.js";
import { maxOf } from "./stats.js";

const DAY_SECONDS = 86_400;
const WEEK_SECONDS = 7 * DAY_SECONDS;

/** A rule-of-thumb peak forecaster: what the period's peak will be, from the clean series before `origin`. */
type PeakRule = (clean: Float64Array, origin: number, horizonSteps: number, stepSeconds: number) => { peak: number; atIndex: number } | undefined;

/** Last week's clean peak (or what history there is, from one day up), placed at the same time of day ahead. */
const recentPeak: PeakRule = (clean, origin, horizonSteps, stepSeconds) => {
  const week = Math.round(WEEK_SECONDS / stepSeconds);
  const day = Math.max(1, Math.round(DAY_SECONDS / stepSeconds));
  if (origin < day) return undefined;
  const found = maxOf(clean, origin - Math.min(week, origin), origin);
  if (found.index < 0) return undefined;
  return { peak: found.value, atIndex: shiftIntoHorizon(found.index, origin, horizonSteps, day) };
};

/** The clean peak of the same period one week (or whole weeks, for long horizons) earlier. */
const seasonalNaive: PeakRule = (clean, origin, horizonSteps, stepSeconds) => {
  const week = Math.round(WEEK_SECONDS / stepSeconds);
  const period = Math.ceil(horizonSteps / week) * week;
  if (origin < period) return undefined;
  const found = maxOf(clean, origin - period, origin - period + horizonSteps);
  if (found.index < 0) return undefined;
  return { peak: found.value, atIndex: found.index + period };
};

function shiftIntoHorizon(index: number, origin: number, horizonSteps: number, period: number): number {
  let at = index;
  while (at < origin) at += period;
  return at < origin + horizonSteps ? at : origin;
}

const RULES: Partial<Record<ModelName, PeakRule>> = { "recent-peak": recentPeak, "seasonal-naive": seasonalNaive };

/** Backtest origins: one per day before `origin`, newest first, whose whole horizon lies before it. */
export function backtestOrigins(origin: number, horizonSteps: number, stepSeconds: number, count: number): number[] {
  const day = Math.max(1, Math.round(DAY_SECONDS / stepSeconds));
  const origins: number[] = [];
  for (let o = origin - Math.max(horizonSteps, day); origins.length < count && o > 0; o -= day) {
    if (o + horizonSteps <= origin) origins.push(o);
  }
  return origins;
}

/**
 * The rule-of-thumb candidates, each with its rolling backtest against raw (real, anomalies
 * included) period peaks: a throttled spike is still a throttled customer.
 */
export function rulePeakCandidates(
  prepared: PreparedSeries,
  origin: number,
  horizonSteps: number,
  models: readonly ModelName[],
  calibrationOrigins: number,
): CandidateForecast[] {
  const stepMs = prepared.stepSeconds * 1000;
  const candidates: CandidateForecast[] = [];
  for (const model of models) {
    const rule = RULES[model];
    if (rule === undefined) continue;
    const started = performance.now();
    const now = rule(prepared.clean, origin, horizonSteps, prepared.stepSeconds);
    const backtest: BacktestPair[] = [];
    for (const o of backtestOrigins(origin, horizonSteps, prepared.stepSeconds, calibrationOrigins)) {
      const past = rule(prepared.clean, o, horizonSteps, prepared.stepSeconds);
      if (past !== undefined) backtest.push({ forecast: past.peak, actual: maxOf(prepared.raw, o, o + horizonSteps).value, originMs: prepared.startMs + o * stepMs });
    }
    const fitMs = performance.now() - started;
    candidates.push(
      now === undefined
        ? { model, peak: Number.NaN, peakAtMs: 0, backtest, fitMs, error: "not enough history" }
        : { model, peak: now.peak, peakAtMs: prepared.startMs + now.atIndex * stepMs, backtest, fitMs },
    );
  }
  return candidates;
}
