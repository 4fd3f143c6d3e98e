import type { RuleSeries } from "../traffic.js";
import { choosePeakEstimate, type CandidateForecast, type PeakChoice, type PeakEstimate } from "./peak-calibration.js";
import { rulePeakCandidates } from "./peak-predictors.js";
import type { ForecastSummary } from "./recommend.js";
import { aggregateSeries } from "./resample.js";
import { prepareSeries, type PreparedSeries } from "./series-prep.js";
import type { ForecastSettings, ModelName } from "./settings.js";
import { maxOf } from "./stats.js";
import { unitSeconds, type LimitUnit } from "./units-conversion.js";

const DAY_SECONDS = 86_400;
/** Fewer backtest origins than this and a model's calibration is not trusted at all. */
export const MIN_BACKTEST_ORIGINS = 3;

/**
 * The series as the forecast sees it: the last maxHistoryDays before nowMs, cleaned, and summed to
 * the rule's unit (at most the horizon) when the unit is longer than the step, so that the peak is
 * the peak count of one unit window, not the per-step peak times the unit's length.
 */
export function prepareForForecast(series: RuleSeries, unit: LimitUnit, nowMs: number, settings: ForecastSettings): { prepared: PreparedSeries; atStep: PreparedSeries } {
  const fromMs = nowMs - settings.maxHistoryDays * DAY_SECONDS * 1000;
  const recent = { ...series, samples: series.samples.filter((s) => s.timestampMs >= fromMs && s.timestampMs <= nowMs) };
  const prepared = prepareSeries(recent, settings);
  // Units longer than the horizon (a per-week limit, a 24h cycle) are summed to horizon-long
  // blocks: the recommendation then extrapolates the peak period's count, not the peak step's rate.
  const blockSeconds = Math.min(unitSeconds(unit, series.stepSeconds), settings.horizonHours * 3600);
  const factor = blockSeconds > series.stepSeconds ? Math.round(blockSeconds / series.stepSeconds) : 1;
  return { prepared, atStep: aggregateSeries(prepared, factor) };
}

/**
 * More than this share of a series' points implausible (not traffic) and its history is not
 * trusted at all; fewer are cleaned like glitches and the rule is forecast from the rest.
 */
export const MAX_IMPLAUSIBLE_SHARE = 0.01;

function implausibleReason(series: PreparedSeries): string | undefined {
  const { steps, share, largest } = series.implausible;
  if (steps === 0 || share <= MAX_IMPLAUSIBLE_SHARE) return undefined;
  const example = largest ? `; largest ${largest.value.toPrecision(3)} requests in a step, at ${new Date(largest.atMs).toISOString()}` : "";
  return `${steps} points (${(share * 100).toFixed(1)}%) are not plausible traffic${example}: treated as missing, the history is not trusted`;
}

/** Horizon in steps of the given series. */
export function horizonSteps(stepSeconds: number, settings: ForecastSettings): number {
  return Math.max(1, Math.round((settings.horizonHours * 3600) / stepSeconds));
}

/** The rule-of-thumb candidates computed here (pure); fitted models come from the engine. */
export function ruleCandidates(series: PreparedSeries, settings: ForecastSettings): CandidateForecast[] {
  return rulePeakCandidates(series, series.raw.length, horizonSteps(series.stepSeconds, settings), settings.models, settings.calibrationOrigins);
}

export const FITTED_MODELS: readonly ModelName[] = ["mstl-ets", "prophet"];

/** Combines all candidates into what recommendLimit needs. */
export function summarizeForecast(series: PreparedSeries, candidates: readonly CandidateForecast[], settings: ForecastSettings): { summary: ForecastSummary; choice: PeakChoice } {
  // History counts observed steps only: filled-in gaps are not evidence.
  const observed = series.imputed.reduce((n, m) => n + (m ? 0 : 1), 0);
  const historyDays = (observed * series.stepSeconds) / DAY_SECONDS;
  let trailingMissing = 0;
  while (trailingMissing < series.imputed.length && series.imputed[series.imputed.length - 1 - trailingMissing]) trailingMissing++;
  const staleHours = (trailingMissing * series.stepSeconds) / 3600;
  const implausible = implausibleReason(series);
  const stale = staleHours > settings.maxStaleHours ? `no data for the last ${staleHours.toFixed(1)}h` : implausible;
  const week = Math.round((7 * DAY_SECONDS) / series.stepSeconds);
  const lastWeekCleanPeak = Math.max(0, maxOf(series.clean, series.raw.length - week).value);
  const originMs = series.startMs + series.raw.length * series.stepSeconds * 1000;
  const byDayType = settings.calibrateByDayType && settings.horizonHours <= 24;
  const choice = choosePeakEstimate(candidates, settings.quantile, MIN_BACKTEST_ORIGINS, settings.combine, byDayType ? originMs : undefined);
  if (choice.estimate !== undefined) {
    return { summary: { stepSeconds: series.stepSeconds, lastWeekCleanPeak, historyDays, anomalies: series.anomalies, estimate: choice.estimate, ...(stale ? { lowConfidenceReason: stale } : {}) }, choice };
  }
  const reason = `no model could be backtested (${choice.considered.map((c) => `${c.model}: ${c.rejected ?? "?"}`).join("; ") || "none configured"})`;
  // Without a backtest there is no calibration: a fixed prior ratio on the recent peak gives a
  // number to report, and the low confidence keeps the current limit in force.
  const recent = candidates.find((c) => c.model === "recent-peak" && c.peak > 0);
  const estimate: PeakEstimate | undefined =
    recent === undefined
      ? undefined
      : {
          model: "recent-peak",
          quantilePeak: recent.peak * settings.uncalibratedPeakRatio,
          expectedPeak: recent.peak,
          peakAtMs: recent.peakAtMs,
          calibration: { quantileRatio: settings.uncalibratedPeakRatio, medianRatio: 1, meanHeadroom: Number.NaN, pairs: 0 },
        };
  const summary: ForecastSummary = {
    stepSeconds: series.stepSeconds,
    lastWeekCleanPeak,
    historyDays,
    anomalies: series.anomalies,
    lowConfidenceReason: stale ?? reason,
    ...(estimate ? { estimate } : {}),
  };
  return { summary, choice };
}
