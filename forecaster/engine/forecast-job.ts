import type { RuleOverride, ForecastSettings } from "../logic/settings.js";
import type { RuleSeries } from "../traffic.js";
import { FITTED_MODELS, prepareForForecast, ruleCandidates, summarizeForecast, horizonSteps } from "../logic/forecast-summary.js";
import type { CandidateForecast } from "../logic/peak-calibration.js";
import { recommendLimit, type Recommendation } from "../logic/recommend.js";
import type { LimitUnit } from "../logic/units-conversion.js";
import { fitModelCandidate } from "./models.js";

/** One rule to forecast. Plain data: it crosses the worker-thread boundary by structured clone. */
export interface ForecastJob {
  readonly fullKey: string;
  readonly unit: LimitUnit;
  /** The rule's requests_per_unit now; absent only for a bare series (backtest). */
  readonly currentLimit?: number;
  readonly series: RuleSeries;
  readonly settings: ForecastSettings;
  readonly override?: RuleOverride;
  readonly nowMs: number;
}

/** A recommendation plus what the backtest/benchmark tools want to see about how it was made. */
export interface ForecastOutcome {
  readonly recommendation: Recommendation;
  /** Wall time of all fits and rules, milliseconds. */
  readonly fitMs: number;
  /** Step (seconds) the peak was estimated at. */
  readonly stepSeconds: number;
  readonly candidates: readonly { model: string; peak: number; fitMs: number; error?: string; quantileRatio?: number; meanHeadroom?: number }[];
}

/** Runs one job in this thread: blocks for the duration of the fits (the pool runs it in a worker). */
export function runForecastJob(job: ForecastJob): ForecastOutcome {
  const started = performance.now();
  // A rule's own plausibility ceiling replaces the global one for its series.
  const ceiling = job.override?.maxPlausibleRequestsPerSecond;
  const settings = ceiling === undefined ? job.settings : { ...job.settings, maxPlausibleRequestsPerSecond: ceiling };
  const base = { fullKey: job.fullKey, unit: job.unit, settings, ...(job.currentLimit !== undefined ? { currentLimit: job.currentLimit } : {}), ...(job.override ? { override: job.override } : {}) };
  if (job.override?.exclude === true) {
    const recommendation = recommendLimit({ ...base, forecast: { stepSeconds: job.series.stepSeconds, lastWeekCleanPeak: 0, historyDays: 0, anomalies: [] } });
    return { recommendation, fitMs: 0, stepSeconds: job.series.stepSeconds, candidates: [] };
  }
  const { atStep } = prepareForForecast(job.series, job.unit, job.nowMs, settings);
  const candidates: CandidateForecast[] = ruleCandidates(atStep, settings);
  const day = Math.round(86_400 / atStep.stepSeconds);
  if (atStep.raw.length >= settings.minHistoryDays * day) {
    for (const model of settings.models.filter((m) => FITTED_MODELS.includes(m))) {
      candidates.push(fitModelCandidate(model, atStep, horizonSteps(atStep.stepSeconds, settings), settings));
    }
  }
  const { summary, choice } = summarizeForecast(atStep, candidates, settings);
  const recommendation = recommendLimit({ ...base, forecast: summary });
  return {
    recommendation,
    fitMs: performance.now() - started,
    stepSeconds: atStep.stepSeconds,
    candidates: candidates.map((c) => {
      const considered = choice.considered.find((k) => k.model === c.model);
      return {
        model: c.model,
        peak: c.peak,
        fitMs: c.fitMs,
        ...(c.error !== undefined ? { error: c.error } : considered?.rejected !== undefined ? { error: considered.rejected } : {}),
        ...(considered?.calibration ? { quantileRatio: considered.calibration.quantileRatio, meanHeadroom: considered.calibration.meanHeadroom } : {}),
      };
    }),
  };
}
